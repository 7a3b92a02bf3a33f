"""OAuth 2.0 clients for Alexa account linking: registered once per skill, secret shown once, stored as SHA-256."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from ...domain.clock import Clock
from ...domain.errors import InvalidInput
from ...domain.tokens import hash_token, new_token
from ...storage import models as m
from ...storage.uow import UnitOfWork

DEFAULT_SCOPE = "bills"
# https://developer.amazon.com/en-US/docs/alexa/account-linking/configure-authorization-code-grant.html
# Alexa's redirect URLs: one per Alexa region, each ending in the skill vendor's id.
ALEXA_REDIRECT_BASES = (
    "https://pitangui.amazon.com/api/skill/link/",
    "https://layla.amazon.com/api/skill/link/",
    "https://alexa.amazon.co.jp/api/skill/link/",
)
_VENDOR_ID = re.compile(r"[A-Za-z0-9]{4,64}")


@dataclass(frozen=True)
class ClientView:
    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    scope: str
    secret_hash: str

    def secret_matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.secret_hash, hash_token(secret))


@dataclass(frozen=True)
class CreatedClient:
    client_id: str
    client_secret: str  # shown once; only its hash is stored
    name: str
    redirect_uris: tuple[str, ...]
    scope: str


def alexa_redirect_uris(vendor_id: str) -> tuple[str, ...]:
    if not _VENDOR_ID.fullmatch(vendor_id or ""):
        raise InvalidInput(
            "the vendor id is letters and digits, as the Alexa console shows it", field="vendor_id"
        )
    return tuple(base + vendor_id for base in ALEXA_REDIRECT_BASES)


def create_client(
    uow: UnitOfWork, clock: Clock, *, vendor_id: str, name: str = "Alexa", scope: str = DEFAULT_SCOPE
) -> CreatedClient:
    """Register the skill as a client whose only redirect URIs are Alexa's three for this vendor."""
    redirect_uris = alexa_redirect_uris(vendor_id)
    if not name.strip() or len(name) > 200:
        raise InvalidInput("the client name must be 1 to 200 characters", field="name")
    client_id = f"alexa-{secrets.token_hex(12)}"
    secret = new_token()
    with uow:
        uow.oauth_clients.add(
            m.OAuthClient(
                client_id=client_id,
                secret_hash=hash_token(secret),
                name=name.strip(),
                redirect_uris=list(redirect_uris),
                scope=scope,
                created_at=clock.now(),
            )
        )
        uow.commit()
    return CreatedClient(client_id, secret, name.strip(), redirect_uris, scope)


def find_client(uow: UnitOfWork, client_id: str | None) -> ClientView | None:
    """An active client by its id; None for unknown or revoked ones."""
    if not client_id or len(client_id) > 64:
        return None
    with uow:
        row = uow.oauth_clients.by_client_id(client_id)
        if row is None or row.revoked_at is not None:
            return None
        return ClientView(row.client_id, row.name, tuple(row.redirect_uris), row.scope, row.secret_hash)
