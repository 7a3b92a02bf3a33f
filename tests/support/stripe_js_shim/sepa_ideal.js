// Test-only: adds what localstripe's Stripe.js shim lacks, following Stripe.js's documented contract:
// - elements.create("iban") and elements.create("idealBank") (https://docs.stripe.com/js/elements_object/create_element)
// - stripe.confirmSepaDebitPayment(clientSecret, {payment_method: {sepa_debit: ibanElement | {iban},
//   billing_details: {name, email}}}) -> {paymentIntent} | {error}
//   (https://docs.stripe.com/js/payment_intents/confirm_sepa_debit_payment)
// - stripe.confirmIdealPayment(clientSecret, {payment_method: {ideal: idealBankElement | {bank}}, return_url},
//   {handleActions}) -> redirects to the bank, or {error} (https://docs.stripe.com/js/payment_intents/confirm_ideal_payment)
// Both POST /v1/payment_intents/<id>/confirm with the publishable key and the client secret, as Stripe.js does, to
// the test bridge in front of localstripe (tests/support/stripe_js_shim/__init__.py).
(function () {
  "use strict";
  var BASE = LOCALSTRIPE_BASE_API;  // defined by localstripe's part of this script: our origin
  var localStripe = window.Stripe;

  function TestElement(type, options) {
    this.type = type;
    this.options = options || {};
    this.value = "";
    this._input = null;
    this._listeners = {};
  }
  TestElement.prototype.mount = function (target) {
    var el = typeof target === "string" ? document.querySelector(target) : target;
    if (this.type === "iban") {
      this._input = document.createElement("input");
      this._input.setAttribute("placeholder", "iban");
      this._input.setAttribute("autocomplete", "off");
    } else {
      this._input = document.createElement("select");
      ["", "abn_amro", "ing", "rabobank"].forEach(function (bank) {
        var option = document.createElement("option");
        option.value = bank;
        option.textContent = bank || "—";
        this._input.appendChild(option);
      }, this);
    }
    var self = this;
    this._input.addEventListener("input", function () {
      self.value = self._input.value;
      (self._listeners.change || []).forEach(function (handler) {
        handler({elementType: self.type, empty: !self.value, complete: !!self.value});
      });
    });
    this._input.addEventListener("change", function () { self.value = self._input.value; });
    el.appendChild(this._input);
  };
  TestElement.prototype.on = function (event, handler) {
    (this._listeners[event] = this._listeners[event] || []).push(handler);
  };
  TestElement.prototype.unmount = function () { if (this._input) { this._input.remove(); } };
  TestElement.prototype.destroy = TestElement.prototype.unmount;

  function intentId(clientSecret) {
    var match = /^(pi_\w+?)_secret_/.exec(clientSecret || "");
    return match ? match[1] : null;
  }

  function validation(message) {
    return {error: {type: "validation_error", message: message}};
  }

  async function confirm(clientSecret, body) {
    var id = intentId(clientSecret);
    if (!id) { return {error: {type: "invalid_request_error", code: "resource_missing", message: "No such payment_intent."}}; }
    var response = await fetch(BASE + "/v1/payment_intents/" + id + "/confirm", {
      method: "POST",
      body: JSON.stringify(Object.assign({client_secret: clientSecret}, body)),
    });
    var data = await response.json().catch(function () { return {}; });
    if (response.status !== 200 || data.error) { return {error: data.error || {message: "Request failed"}}; }
    return {paymentIntent: data};
  }

  window.Stripe = function (key, options) {
    var stripe = localStripe(key, options);
    var makeElements = stripe.elements;
    stripe.elements = function (elementsOptions) {
      var elements = makeElements(elementsOptions);
      var createCard = elements.create.bind(elements);
      elements.create = function (type, createOptions) {
        if (type === "iban" || type === "idealBank") { return new TestElement(type, createOptions); }
        return createCard(type, createOptions);
      };
      return elements;
    };

    stripe.confirmSepaDebitPayment = async function (clientSecret, data) {
      var method = (data && data.payment_method) || {};
      var source = method.sepa_debit;
      var iban = source instanceof TestElement ? source.value : source && source.iban;
      var billing = method.billing_details || {};
      if (!iban) { return validation("Your IBAN is incomplete."); }
      if (!billing.name || !billing.email) {
        return validation("billing_details.name and billing_details.email are required for SEPA Direct Debit.");
      }
      return confirm(clientSecret, {
        key: key,
        payment_method_data: {type: "sepa_debit", sepa_debit: {iban: iban.replace(/\s+/g, "")}, billing_details: billing},
        // What Stripe.js adds: the mandate is accepted online, here and now.
        mandate_data: {customer_acceptance: {type: "online", online: {infer_from_client: true}}},
      });
    };

    stripe.confirmIdealPayment = async function (clientSecret, data, confirmOptions) {
      var method = (data && data.payment_method) || {};
      var source = method.ideal;
      var bank = source instanceof TestElement ? source.value : source && source.bank;
      if (!data || !data.return_url) { return validation("return_url is required for iDEAL."); }
      var result = await confirm(clientSecret, {
        key: key,
        payment_method_data: {type: "ideal", ideal: bank ? {bank: bank} : {}, billing_details: method.billing_details || {}},
        return_url: data.return_url,
      });
      if (result.error || (confirmOptions && confirmOptions.handleActions === false)) { return result; }
      var next = result.paymentIntent.next_action;
      if (next && next.type === "redirect_to_url") {
        window.location.assign(next.redirect_to_url.url);
        return new Promise(function () {});  // the page is leaving for the bank
      }
      return result;
    };
    return stripe;
  };
})();
