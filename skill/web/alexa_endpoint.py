"""POST /alexa: Alexa's web-service endpoint. Verify the signed request, then hand the envelope to the skill."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue

from ..domain.clock import SystemClock
from ..settings import Settings
from .alexa_certs import UrlCertFetcher
from .alexa_verify import AlexaRequestVerifier, RequestVerificationError
from .app_services import current_services, services_of
from .json_body import loads

log = logging.getLogger(__name__)

# Alexa's requests are a few KB; the limit keeps an unauthenticated caller from making us buffer megabytes.
MAX_BODY_BYTES = 128 * 1024
# app.extensions key of the AlexaRequestVerifier; tests put one with their own CA and fetcher there.
VERIFIER_EXTENSION = "billpay.alexa_verifier"

bp = Blueprint("alexa", __name__)


def build_verifier(settings: Settings) -> AlexaRequestVerifier:
    """The production verifier: certifi roots, a real download, wall-clock time.

    The system clock, not services.clock: the 150 s window and certificate validity are about real time,
    even when the services run on a pinned clock for a demo.
    """
    return AlexaRequestVerifier(
        skill_id=settings.alexa_skill_id,
        clock=SystemClock(),
        fetcher=UrlCertFetcher(settings.alexa_cert_fetch_timeout_seconds),
    )


@bp.record_once
def _install_verifier(state: BlueprintSetupState) -> None:
    settings: Settings = services_of(state.app).settings
    if not settings.alexa_verify_requests:
        log.warning("Alexa request verification is OFF (ALEXA_VERIFY_REQUESTS=false): for development only")
    state.app.extensions.setdefault(VERIFIER_EXTENSION, build_verifier(settings))


def _problem(detail: str) -> ResponseReturnValue:
    return jsonify({"title": "Bad Request", "status": 400, "detail": detail}), 400


def _parse_envelope(body: bytes) -> Mapping[str, Any] | None:
    """The request envelope if the body is a JSON object with a typed `request`; None otherwise."""
    try:
        envelope = loads(body)  # nesting depth bounded before parsing: a deep body is refused, not a 500
    except ValueError:  # not JSON, not UTF-8, or nested too deeply
        return None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("request"), dict):
        return None
    return envelope if isinstance(envelope["request"].get("type"), str) else None


def _verify(body: bytes, envelope: Mapping[str, Any]) -> bool:
    verifier: AlexaRequestVerifier = current_app.extensions[VERIFIER_EXTENSION]
    try:
        verifier.verify(
            body=body,
            envelope=envelope,
            cert_url=request.headers.get("SignatureCertChainUrl"),
            signature=request.headers.get("Signature-256"),
        )
    except RequestVerificationError as exc:
        # The reason code only: the body holds the customer's words and ids.
        log.warning("rejected an Alexa request that failed verification: %s", exc.reason)
        return False
    return True


@bp.post("/alexa")
def alexa() -> ResponseReturnValue:
    services = current_services()
    if request.mimetype != "application/json":
        return _problem("Expected an application/json Alexa request envelope.")
    request.max_content_length = MAX_BODY_BYTES  # larger bodies get 413 from get_data()
    body = request.get_data(cache=False)
    envelope = _parse_envelope(body)
    if envelope is None:
        return _problem("The body is not an Alexa request envelope.")
    # https://developer.amazon.com/en-US/docs/alexa/custom-skills/host-a-custom-skill-as-a-web-service.html
    # A request that fails verification gets 400 and nothing else happens.
    if services.settings.alexa_verify_requests and not _verify(body, envelope):
        return _problem("The request could not be verified as coming from Alexa.")
    # Imported on first use, so the rest of the web app starts without loading the skill.
    from ..alexa.entry import dispatch
    from ..alexa.envelope import MalformedRequest

    try:
        return jsonify(dispatch(services, dict(envelope)))
    except MalformedRequest as exc:
        # Verified (or verification off) but not an envelope the skill can read: 400, and nothing ran.
        log.warning("refused an Alexa request the skill cannot read: %s", exc.reason)
        return _problem("The body is not an Alexa request envelope.")
