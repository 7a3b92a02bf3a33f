"""Security headers on every response: a Content-Security-Policy with a per-request nonce, and the rest.

``csp_nonce()`` is this response's nonce (also a Jinja global) for ``<script nonce="...">`` and
``<style nonce="...">``; prefer external files in ``static/``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import urlparse

from flask import Response, g, request

from ..settings import Settings

# https://docs.stripe.com/security/guide#content-security-policy
STRIPE_SCRIPT = ("https://js.stripe.com", "https://*.js.stripe.com")
STRIPE_FRAME = ("https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com")
STRIPE_CONNECT = ("https://api.stripe.com",)


def stripe_test_origin(settings: Settings) -> str | None:
    """localstripe's origin when STRIPE_API_BASE points at it: the page loads its Stripe.js shim from there."""
    if not settings.stripe_api_base:
        return None
    parsed = urlparse(settings.stripe_api_base)
    return f"{parsed.scheme}://{parsed.netloc}"


def content_security_policy(settings: Settings) -> str:
    """The policy with a ``{nonce}`` placeholder. No inline script or style without this response's nonce."""
    local = (stripe_test_origin(settings),) if stripe_test_origin(settings) else ()
    directives = {
        "default-src": ("'self'",),
        "script-src": ("'self'", "'nonce-{nonce}'", *STRIPE_SCRIPT, *local),
        "style-src": ("'self'", "'nonce-{nonce}'"),
        # Plus, per response, the https origin of the biller logo the page shows (allow_image_origin).
        "img-src": ("'self'", "data:", "https://*.stripe.com", "{img}"),
        "font-src": ("'self'",),
        "connect-src": ("'self'", *STRIPE_CONNECT, *local),
        "frame-src": (*STRIPE_FRAME, *local),
        "object-src": ("'none'",),
        "base-uri": ("'none'",),
        "form-action": ("'self'",),
        "frame-ancestors": ("'none'",),
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def allow_image_origin(origin: str) -> None:
    """Let this response's page load images from `origin` (a biller's logo host; see docs/security.md)."""
    g.csp_img_origins = (*g.get("csp_img_origins", ()), origin)


def policy_for_response(policy: str) -> str:
    """`content_security_policy(...)` with this response's nonce and image origins filled in."""
    images = " ".join(g.get("csp_img_origins", ()))
    return policy.replace("{nonce}", csp_nonce()).replace(" {img}", f" {images}" if images else "")


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


def security_headers(settings: Settings) -> Callable[[Response], Response]:
    """The after-request hook that adds the headers (HSTS only when PUBLIC_BASE_URL is https)."""
    https = settings.public_base_url.startswith("https://")
    policy = content_security_policy(settings)

    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy_for_response(policy))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")  # payment-link tokens live in our URLs
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint != "static":
            headers.setdefault("Cache-Control", "no-store")  # pages carry tokens and client secrets
        return response

    return add_headers
