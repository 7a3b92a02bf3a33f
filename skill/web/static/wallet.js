// The wallet page: a SetupIntent confirmed by Stripe.js (card or SEPA mandate), then stored by our server,
// which retrieves the SetupIntent from Stripe itself. Card and bank details never reach our server.
(function () {
  "use strict";
  var form = document.getElementById("wallet-form");
  if (!form) { return; }
  var cfg = form.dataset;
  // https://docs.stripe.com/js/initializing#init_stripe_js-options-locale : Stripe.js's messages in the page's language.
  var stripe = Stripe(cfg.publishableKey, {locale: cfg.stripeLocale || "auto"});
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var button = document.getElementById("wallet-button");
  var errorBox = document.getElementById("wallet-error");

  function kind() { return form.querySelector('input[name="kind"]:checked').value; }
  function showKind() {
    var chosen = kind();
    form.querySelectorAll("[data-kind]").forEach(function (el) { el.hidden = el.getAttribute("data-kind") !== chosen; });
    button.textContent = chosen === "sepa_debit" ? button.dataset.sepa : button.dataset.card;
  }
  form.querySelectorAll('input[name="kind"]').forEach(function (el) { el.addEventListener("change", showKind); });

  function fail(message) {
    button.disabled = false;
    errorBox.textContent = message || cfg.msgFailed;
    errorBox.hidden = false;
  }

  async function post(url, body) {
    body.locale = cfg.locale;
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": cfg.csrf},
      body: JSON.stringify(body),
    });
    return {ok: response.ok, data: await response.json().catch(function () { return {}; })};
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errorBox.hidden = true;
    try {
      var chosen = kind();
      var started = await post(cfg.setupUrl, {kind: chosen});
      if (!started.ok) { return fail(started.data.message); }
      var result;
      if (chosen === "sepa_debit") {
        // https://docs.stripe.com/js/setup_intents/confirm_sepa_debit_setup : the mandate text is on the page.
        result = await stripe.confirmSepaDebitSetup(started.data.client_secret, {
          payment_method: {
            sepa_debit: {iban: document.getElementById("iban").value.replace(/\s+/g, "")},
            billing_details: {name: document.getElementById("holder").value, email: document.getElementById("email").value},
          },
        });
      } else {
        result = await stripe.confirmCardSetup(started.data.client_secret, {payment_method: {card: card}});
      }
      if (result.error) { return fail(result.error.message); }
      var saved = await post(cfg.completeUrl, {setup_intent_id: started.data.setup_intent_id});
      if (!saved.ok) { return fail(saved.data.message); }
      window.location.assign(cfg.walletUrl);
    } catch (err) {
      fail();
    }
  });
  showKind();
})();
