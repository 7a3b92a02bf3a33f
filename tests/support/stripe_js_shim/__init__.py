"""A test stand-in for js.stripe.com and api.stripe.com in front of a real localstripe process.

localstripe's Stripe.js shim has no `confirmSepaDebitPayment` or `confirmIdealPayment`, and localstripe answers
only secret-key confirmations. This bridge is served at STRIPE_API_BASE in the SEPA and iDEAL browser tests:

- `GET /js.stripe.com/v3/`: localstripe's shim followed by `sepa_ideal.js`, which adds the two calls and the
  IBAN and iDEAL bank Elements with Stripe.js's documented shapes and result objects.
- `POST /v1/payment_intents/<id>/confirm` with a publishable key (what Stripe.js sends): checks the client secret
  and that the intent was created for that method (real Stripe refuses a type not in `payment_method_types`), then
  drives localstripe with the secret key.
  - SEPA Direct Debit: creates the sepa_debit PaymentMethod in localstripe and attaches it to the intent. The
    intent reads `processing` (as on Stripe, where a debit takes days) until the test calls `settle()`; then
    localstripe confirms it and delivers its own signed `payment_intent.succeeded` (or `payment_failed`).
  - iDEAL: answers `requires_action` with a `redirect_to_url` to a test bank page here. Authorizing there settles
    the intent in localstripe (which has no ideal type, so a 4242 test card stands in for the bank transfer) and
    redirects to `return_url` with `payment_intent`, `payment_intent_client_secret` and `redirect_status`, as
    Stripe does. The done page re-reads the intent server side; localstripe's webhook arrives independently.
- Everything else is passed through to localstripe unchanged.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from flask import Flask, Response, abort, redirect, request

from skill.payments.localstripe_process import API_KEY

SHIM_JS = Path(__file__).with_name("sepa_ideal.js")
STAND_IN_CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
_PASSED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "Stripe-Version", "Origin")


@dataclass
class Intents:
    """What the bridge knows beyond localstripe: each intent's method types, and the ones in flight."""

    types: dict[str, list[str]] = field(default_factory=dict)
    processing: set[str] = field(default_factory=set)  # SEPA debits confirmed in the browser, not yet settled
    redirected: dict[str, str] = field(default_factory=dict)  # iDEAL intent -> its return_url
    lock: threading.Lock = field(default_factory=threading.Lock)


class StripeJsBridge:
    def __init__(self, localstripe_url: str) -> None:
        self.localstripe_url = localstripe_url
        self.url = ""  # where the test serves it (set by the fixture)
        self.intents = Intents()
        self.app = self._build_app()

    # --- test controls ------------------------------------------------------------------------------
    def settle(self, intent_id: str) -> None:
        """The bank collects the SEPA debit: localstripe confirms it and sends its webhook."""
        with self.intents.lock:
            self.intents.processing.discard(intent_id)
        self._secret("POST", f"/v1/payment_intents/{intent_id}/confirm")

    def processing(self) -> list[str]:
        with self.intents.lock:
            return sorted(self.intents.processing)

    def methods_of(self, intent_id: str) -> list[str]:
        return self.intents.types.get(intent_id, [])

    # --- localstripe --------------------------------------------------------------------------------
    def _secret(self, method: str, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        response = requests.request(
            method,
            self.localstripe_url + path,
            data=data,
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=30,
        )
        body: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise RuntimeError(f"localstripe {method} {path}: {response.status_code} {body}")
        return body

    def _build_app(self) -> Flask:
        app = Flask(__name__)
        app.add_url_rule("/js.stripe.com/v3/", view_func=self._stripe_js)
        app.add_url_rule("/v1/payment_intents/<intent_id>/confirm", view_func=self._confirm, methods=["POST"])
        app.add_url_rule("/_bank/ideal/<intent_id>", view_func=self._bank_page)
        app.add_url_rule("/_bank/ideal/<intent_id>", view_func=self._bank_answer, methods=["POST"])
        app.add_url_rule("/<path:path>", view_func=self._proxy, methods=["GET", "POST", "DELETE"])
        return app

    def _stripe_js(self) -> Response:
        upstream = requests.get(self.localstripe_url + "/js.stripe.com/v3/", timeout=10).text
        return Response(upstream + "\n" + SHIM_JS.read_text(), mimetype="application/javascript")

    def _proxy(self, path: str) -> Response:
        headers = {name: request.headers[name] for name in _PASSED_HEADERS if name in request.headers}
        body = request.get_data()
        upstream = requests.request(
            request.method,
            f"{self.localstripe_url}/{path}",
            params=list(request.args.items(multi=True)),
            data=body,
            headers=headers,
            timeout=30,
        )
        content = upstream.content
        if upstream.status_code == 200 and path.startswith("v1/payment_intents"):
            content = self._observe_intent(path, body, upstream.json())
        response = Response(content, status=upstream.status_code, mimetype="application/json")
        for name in ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"):
            if name in upstream.headers:
                response.headers[name] = upstream.headers[name]
        return response

    def _observe_intent(self, path: str, body: bytes, intent: dict[str, Any]) -> bytes:
        """Remember the method types an intent was created for; show SEPA debits in flight as processing."""
        if path == "v1/payment_intents" and request.method == "POST":
            form = dict(parse_qsl(body.decode()))
            types = [v for k, v in form.items() if k.startswith("payment_method_types[")]
            self.intents.types[intent["id"]] = types or ["card"]
        with self.intents.lock:
            if intent.get("id") in self.intents.processing:
                intent = {**intent, "status": "processing"}
            elif intent.get("id") in self.intents.redirected:
                intent = {**intent, "status": "requires_action"}
        return json.dumps(intent).encode()

    def _public_intent(self, intent_id: str, data: dict[str, Any]) -> dict[str, Any]:
        if not str(data.get("key", "")).startswith("pk_"):
            abort(401)
        intent = self._secret("GET", f"/v1/payment_intents/{intent_id}")
        if data.get("client_secret") != intent["client_secret"]:
            abort(Response(json.dumps(_error("The client_secret does not match.")), 400))
        return intent

    def _confirm(self, intent_id: str) -> Response:
        data = json.loads(request.get_data() or b"{}")
        if "key" not in data:  # a server-side confirmation with the secret key: localstripe's own
            return self._proxy(f"v1/payment_intents/{intent_id}/confirm")
        intent = self._public_intent(intent_id, data)
        method_data = data.get("payment_method_data") or {}
        kind = method_data.get("type")
        if kind not in self.methods_of(intent_id):
            message = f"The PaymentIntent does not accept {kind}: its payment_method_types are {self.methods_of(intent_id)}."
            return _json(_error(message), 400)
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            return _json(_error(f"This PaymentIntent's status is {intent['status']}."), 400)
        if kind == "sepa_debit":
            return self._confirm_sepa(intent_id, data, method_data)
        return self._confirm_ideal(intent_id, data, method_data)

    def _confirm_sepa(self, intent_id: str, data: dict[str, Any], method_data: dict[str, Any]) -> Response:
        billing = method_data.get("billing_details") or {}
        acceptance = (data.get("mandate_data") or {}).get("customer_acceptance") or {}
        if not billing.get("name") or not billing.get("email") or acceptance.get("type") != "online":
            return _json(_error("SEPA Direct Debit needs billing name, email and an accepted mandate."), 400)
        method = self._secret(
            "POST",
            "/v1/payment_methods",
            {
                "type": "sepa_debit",
                "sepa_debit[iban]": method_data["sepa_debit"]["iban"],
                "billing_details[name]": billing["name"],
                "billing_details[email]": billing["email"],
            },
        )
        intent = self._secret("POST", f"/v1/payment_intents/{intent_id}", {"payment_method": method["id"]})
        with self.intents.lock:
            self.intents.processing.add(intent_id)
        return _json({**intent, "status": "processing"})

    def _confirm_ideal(self, intent_id: str, data: dict[str, Any], method_data: dict[str, Any]) -> Response:
        return_url = data.get("return_url")
        if not isinstance(return_url, str) or not return_url.startswith(("http://", "https://")):
            return _json(_error("return_url is required to confirm an iDEAL payment."), 400)
        with self.intents.lock:
            self.intents.redirected[intent_id] = return_url
        intent = self._secret("GET", f"/v1/payment_intents/{intent_id}")
        bank = f"{request.host_url}_bank/ideal/{intent_id}"
        next_action = {"type": "redirect_to_url", "redirect_to_url": {"url": bank, "return_url": return_url}}
        return _json({**intent, "status": "requires_action", "next_action": next_action})

    def _bank_page(self, intent_id: str) -> Response:
        if intent_id not in self.intents.redirected:
            abort(404)
        html = (
            "<!doctype html><title>iDEAL test bank</title><h1>iDEAL test payment</h1>"
            '<form method="post"><button name="outcome" value="authorize">Authorize test payment</button>'
            '<button name="outcome" value="fail">Fail test payment</button></form>'
        )
        return Response(html, mimetype="text/html")

    def _bank_answer(self, intent_id: str) -> Any:
        with self.intents.lock:
            return_url = self.intents.redirected.pop(intent_id, None)
        if return_url is None:
            abort(404)
        intent = self._secret("GET", f"/v1/payment_intents/{intent_id}")
        status = "failed"
        if request.form.get("outcome") == "authorize":
            card = {f"card[{k}]": v for k, v in STAND_IN_CARD.items()}
            method = self._secret("POST", "/v1/payment_methods", {"type": "card", **card})
            self._secret("POST", f"/v1/payment_intents/{intent_id}", {"payment_method": method["id"]})
            self._secret("POST", f"/v1/payment_intents/{intent_id}/confirm")
            status = "succeeded"
        query = urlencode(
            {
                "payment_intent": intent_id,
                "payment_intent_client_secret": intent["client_secret"],
                "redirect_status": status,
            }
        )
        return redirect(f"{return_url}{'&' if '?' in return_url else '?'}{query}", 303)


def _error(message: str) -> dict[str, Any]:
    return {"error": {"type": "invalid_request_error", "message": message}}


def _json(body: dict[str, Any], status: int = 200) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
    return response
