// The payment-link page: Stripe.js collects the card or IBAN (never our server), our server charges and settles.
// Cards: confirmCardSetup, then POST /charge (3-D Secure through confirmCardPayment if the bank asks).
// SEPA and iDEAL: confirm the PaymentIntent from /start in the browser. See docs/adr/0002-payment-page.md.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  if (!form) { return; }
  var cfg = form.dataset;
  // https://docs.stripe.com/js/initializing#init_stripe_js-options-locale : Stripe.js's own messages (a declined
  // card, an invalid number) in the page's language (en, de, nl, sv), not the browser's.
  var stripe = Stripe(cfg.publishableKey, {locale: cfg.stripeLocale || "auto"});
  var elements = stripe.elements();
  var card = elements.create("card");
  card.mount("#card-element");
  // Stripe.js's IBAN and iDEAL bank Elements: the bank details go to Stripe, never to us.
  // https://docs.stripe.com/js/elements_object/create_element?type=iban
  var iban = null, idealBank = null;
  if (document.getElementById("iban-element")) {
    iban = elements.create("iban", {supportedCountries: ["SEPA"]});
    iban.mount("#iban-element");
  }
  if (document.getElementById("ideal-bank-element")) {
    idealBank = elements.create("idealBank");
    idealBank.mount("#ideal-bank-element");
  }
  var button = document.getElementById("pay-button");
  var working = document.getElementById("pay-working");
  var errorBox = document.getElementById("pay-error");

  function chosenMethod() {
    var checked = form.querySelector('input[name="method"]:checked') || form.querySelector('input[name="method"]');
    return checked ? checked.value : "card";
  }

  function showMethod() {
    var method = chosenMethod();
    form.querySelectorAll("[data-method]").forEach(function (el) {
      el.hidden = el.getAttribute("data-method") !== method;
    });
  }
  form.querySelectorAll('input[name="method"]').forEach(function (el) { el.addEventListener("change", showMethod); });
  showMethod();

  function busy(on) {
    button.disabled = on;
    working.hidden = !on;
    if (on) { errorBox.hidden = true; }
  }

  function fail(message) {
    busy(false);
    errorBox.textContent = message || cfg.msgFailed;
    errorBox.hidden = false;
    errorBox.focus && errorBox.setAttribute("tabindex", "-1");
    errorBox.focus && errorBox.focus();
  }

  async function post(url, body) {
    body.locale = cfg.locale;
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": cfg.csrf},
      body: JSON.stringify(body),
    });
    var data = await response.json().catch(function () { return {}; });
    return {ok: response.ok, data: data};
  }

  function done(attemptId) {
    window.location.assign(cfg.doneUrl + "?attempt=" + encodeURIComponent(attemptId));
  }

  async function payByCard(started) {
    var setup = await stripe.confirmCardSetup(started.client_secret, {payment_method: {card: card}});
    if (setup.error) { return fail(setup.error.message); }
    var charged = await post(cfg.chargeUrl, {attempt_id: started.attempt_id, setup_intent_id: setup.setupIntent.id});
    if (!charged.ok) { return fail(charged.data.message); }
    if (charged.data.authentication_client_secret) {
      // https://docs.stripe.com/payments/3d-secure : the bank asks the customer, here and now.
      var auth = await stripe.confirmCardPayment(charged.data.authentication_client_secret);
      if (auth.error) { return fail(cfg.msgAuth); }
    } else if (charged.data.message) {
      return fail(charged.data.message);
    }
    done(started.attempt_id);
  }

  function sepaDetails() {
    var name = document.getElementById("holder").value.trim();
    var email = document.getElementById("email").value.trim();
    return name && email ? {name: name, email: email} : null;
  }

  // https://docs.stripe.com/js/payment_intents/confirm_sepa_debit_payment : name and email are required; the
  // mandate text is on the page. The intent is "processing" until the debit settles (webhook, days later).
  async function payBySepa(started, billing) {
    var result = await stripe.confirmSepaDebitPayment(started.client_secret, {
      payment_method: {sepa_debit: iban, billing_details: billing},
    });
    if (result.error) { return fail(result.error.message); }
    done(started.attempt_id);
  }

  // https://docs.stripe.com/js/payment_intents/confirm_ideal_payment : on success Stripe.js redirects to the
  // bank, which returns to return_url (our done page, which asks Stripe server side); it resolves only on error.
  async function payByIdeal(started) {
    var back = new URL(cfg.doneUrl + "?attempt=" + encodeURIComponent(started.attempt_id), window.location.href);
    var result = await stripe.confirmIdealPayment(started.client_secret, {
      payment_method: {ideal: idealBank}, return_url: back.href,
    });
    if (result && result.error) { return fail(result.error.message); }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    busy(true);
    try {
      var amount = document.getElementById("amount");
      var save = document.getElementById("save");
      var method = chosenMethod();
      var billing = method === "sepa_debit" ? sepaDetails() : null;
      if (method === "sepa_debit" && !billing) { return fail(cfg.msgSepaDetails); }
      var started = await post(cfg.startUrl, {
        method: method,
        amount: amount ? amount.value : null,
        currency: cfg.currency,
        save: method === "card" && !!(save && save.checked),
      });
      if (!started.ok) { return fail(started.data.message); }
      if (method === "sepa_debit") { return await payBySepa(started.data, billing); }
      if (method === "ideal") { return await payByIdeal(started.data); }
      return await payByCard(started.data);
    } catch (err) {
      fail(cfg.msgUnavailable);
    }
  });

  // Live status: the store's word, polled; a bill paid elsewhere (by voice) reloads into "already paid".
  var statusLive = document.getElementById("bill-status");
  setInterval(async function () {
    if (!button.disabled) {
      try {
        var response = await fetch(cfg.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"});
        if (!response.ok) { return; }
        var data = await response.json();
        if (data.invoice_status !== statusLive.getAttribute("data-status")) { window.location.reload(); }
      } catch (err) { /* offline for a moment: try again at the next tick */ }
    }
  }, 5000);
})();
