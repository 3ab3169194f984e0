// The sign-up page's script: Stripe.js collects the card (it never reaches the portal) through a SetupIntent the
// portal asks for; the form then goes to the portal, which runs the sign-up and answers where to go next.
(function () {
  "use strict";
  var form = document.getElementById("sign-up-form");
  if (!form) { return; }
  var action = form.dataset.action;
  var error = document.getElementById("sign-up-error");
  var status = document.getElementById("sign-up-status");
  var button = document.getElementById("subscribe");
  var cardAccepted = form.dataset.cardAccepted === "yes";
  var stripeParts = null;
  if (cardAccepted) {
    var stripe = Stripe(form.dataset.publishableKey);
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    stripeParts = { stripe: stripe, card: card };
  }

  function show(element, text) {
    element.textContent = text;
    element.hidden = !text;
  }

  function post(url, body) {
    return fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (reply) {
        return reply.json().catch(function () { return { error: "Something went wrong; reload the page." }; })
          .then(function (json) { return { ok: reply.ok, status: reply.status, body: json }; });
      });
  }

  function chosenPlanIsPaid() {
    var chosen = form.querySelector("input[name=plan]:checked");
    return chosen && parseInt(chosen.dataset.amount, 10) > 0;
  }

  function cardSetup() {
    if (!chosenPlanIsPaid()) { return Promise.resolve(""); }
    if (form.elements.setup_intent.value) { return Promise.resolve(form.elements.setup_intent.value); }
    if (!stripeParts) { return Promise.reject(new Error("This plan needs a card, and cards are not taken here.")); }
    var body = new FormData();
    body.append("csrf_token", form.elements.csrf_token.value);
    return post(action + "/card-setup", body).then(function (reply) {
      if (!reply.ok) { throw new Error(reply.body.error || "The card could not be set up."); }
      return stripeParts.stripe.confirmCardSetup(reply.body.client_secret, { payment_method: { card: stripeParts.card } });
    }).then(function (result) {
      if (result.error) { throw new Error(result.error.message || "Your card was declined."); }
      return result.setupIntent.id;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    show(error, "");
    show(status, "Subscribing…");
    cardSetup().then(function (setupIntent) {
      form.elements.setup_intent.value = setupIntent;
      return post(action + "/subscribe", new FormData(form));
    }).then(function (reply) {
      if (!reply.ok) {
        var failure = new Error(reply.body.error || "The sign-up did not go through.");
        failure.final = reply.status !== 409 && reply.status !== 429 && reply.status !== 503;
        throw failure;
      }
      window.location.assign(reply.body.redirect);
    }).catch(function (failure) {
      show(status, "");
      show(error, failure.message);
      // A sign-up refused for good created nothing and used up this page's key: the next try is a new sign-up, with
      // a new card setup. One that is still running (409), or waits for part of the system (503), keeps its key:
      // sending the form again finishes that same sign-up.
      if (failure.final) {
        form.elements.setup_intent.value = "";
        form.elements.idempotency_key.value = Math.random().toString(36).slice(2) + Date.now().toString(36) + "-retry";
      }
      button.disabled = false;
    });
  });
})();
