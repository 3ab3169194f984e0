// The payment pages' script: Stripe.js collects the card (it never reaches the portal), the portal's server
// creates and checks everything else. Loaded after Stripe.js by payment_methods.html and pay.html.
(function () {
  "use strict";

  function post(url, form) {
    return fetch(url, { method: "POST", body: form, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (reply) { return reply.json().then(function (body) { return { ok: reply.ok, body: body }; }); });
  }

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  function mountCard(form) {
    var stripe = Stripe(form.dataset.publishableKey);
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    return { stripe: stripe, card: card };
  }

  // A new card through a SetupIntent: resolves to its id (seti_...), or rejects with Stripe's message.
  function setUpCard(stripeParts, csrf) {
    var form = new FormData();
    form.append("csrf_token", csrf);
    return post("/account/payment-methods/setup", form).then(function (reply) {
      if (!reply.ok) { throw new Error(reply.body.error || "The card could not be set up."); }
      return stripeParts.stripe.confirmCardSetup(reply.body.client_secret, { payment_method: { card: stripeParts.card } });
    }).then(function (result) {
      if (result.error) { throw new Error(result.error.message || "Your card was declined."); }
      return result.setupIntent.id;
    });
  }

  var addForm = document.getElementById("add-card");
  if (addForm) {
    var parts = mountCard(addForm);
    addForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var error = document.getElementById("card-error");
      var button = document.getElementById("save-card");
      button.disabled = true;
      show(error, "");
      var csrf = addForm.elements.csrf_token.value;
      setUpCard(parts, csrf).then(function (setupIntent) {
        var form = new FormData();
        form.append("csrf_token", csrf);
        form.append("setup_intent", setupIntent);
        if (addForm.elements.make_default.checked) { form.append("make_default", "on"); }
        return post("/account/payment-methods", form);
      }).then(function (reply) {
        if (!reply.ok) { throw new Error(reply.body.error || "The card could not be saved."); }
        window.location.reload();
      }).catch(function (failure) {
        show(error, failure.message);
        button.disabled = false;
      });
    });
  }

  var payForm = document.getElementById("pay-form");
  if (!payForm) { return; }
  var payParts = mountCard(payForm);
  var total = document.getElementById("pay-total");
  var decimals = { jpy: 0, krw: 0, kwd: 3, bhd: 3, jod: 3, omr: 3, tnd: 3 }[total.dataset.currency] ;
  if (decimals === undefined) { decimals = 2; }

  function updateTotal() {
    var sum = 0;
    payForm.querySelectorAll("input.amount").forEach(function (input) {
      var value = parseFloat(input.value);
      if (!isNaN(value)) { sum += Math.round(value * Math.pow(10, decimals)); }
    });
    var text = (sum / Math.pow(10, decimals)).toFixed(decimals) + " " + total.dataset.currency.toUpperCase();
    total.textContent = text;
    document.getElementById("pay-button-total").textContent = text;
  }
  payForm.querySelectorAll("input.amount").forEach(function (input) { input.addEventListener("input", updateTotal); });

  var status = document.getElementById("pay-status");
  var error = document.getElementById("pay-error");
  var button = document.getElementById("pay-button");

  function done(reply) {
    var invoices = reply.invoices || [];
    if (reply.estimate) { return window.location.assign("/account/estimates/" + reply.estimate + "?deposit=1"); }
    window.location.assign(invoices.length === 1 ? "/account/invoices/" + invoices[0] + "?paid=1" : "/?paid=1");
  }

  // After Stripe took the card, the payment is pending until Stripe's webhook: wait for it (up to a minute).
  function waitForWebhook(paymentId, tries) {
    return fetch("/account/payments/" + paymentId + "/status", { credentials: "same-origin" })
      .then(function (reply) { return reply.json(); })
      .then(function (reply) {
        if (reply.status === "succeeded") { return done(reply); }
        if (reply.status === "failed") { throw new Error(reply.error || "The payment failed."); }
        if (tries <= 0) { return done(reply); }
        return new Promise(function (resolve) { setTimeout(resolve, 250); })
          .then(function () { return waitForWebhook(paymentId, tries - 1); });
      });
  }

  payForm.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    show(error, "");
    show(status, "Processing your payment…");
    var csrf = payForm.elements.csrf_token.value;
    var chosen = payForm.querySelector("input[name=card]:checked");
    var card = chosen ? Promise.resolve(chosen.value === "new" ? null : chosen.value) : Promise.resolve(null);
    card.then(function (cardId) {
      if (cardId) { return null; }
      return setUpCard(payParts, csrf);
    }).then(function (setupIntent) {
      if (setupIntent) { payForm.elements.setup_intent.value = setupIntent; }
      return post("/account/pay", new FormData(payForm));
    }).then(function (reply) {
      if (!reply.ok) { throw new Error(reply.body.error || "The payment could not be started."); }
      var payment = reply.body;
      if (payment.status === "failed") { throw new Error(payment.error || "Your card was declined."); }
      if (payment.status === "requires_action") {
        return payParts.stripe.confirmCardPayment(payment.client_secret).then(function (result) {
          if (result.error) { throw new Error(result.error.message || "The card was not authenticated."); }
          show(status, "Payment pending: waiting for confirmation from the card network…");
          return waitForWebhook(payment.payment, 240);
        });
      }
      show(status, "Payment pending: waiting for confirmation from the card network…");
      return waitForWebhook(payment.payment, 240);
    }).catch(function (failure) {
      show(status, "");
      show(error, failure.message);
      button.disabled = false;
      // A refused attempt consumed this page's request key: the next try is a new payment.
      payForm.elements.request_key.value = Math.random().toString(36).slice(2) + Date.now().toString(36) + "retry";
    });
  });
})();
