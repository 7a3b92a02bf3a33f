"""What the authorization server decides: codes (hashed, used once), token pairs, rotation, replay and revocation.

Every token of one account link shares a `family_id`. A code used twice, or a refresh token presented after it
was rotated, revokes the whole family (RFC 6749 section 4.1.2; RFC 9700 section 4.14.2).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...domain.clock import Clock
from ...domain.errors import Conflict
from ...domain.tokens import hash_token
from ...storage import models as m
from ...storage.uow import UnitOfWork


class GrantReplayed(Conflict):
    """A code or refresh token was presented again: the link it belongs to has been revoked."""

    code = "grant_replayed"


@dataclass(frozen=True)
class CodeView:
    id: int
    client_id: str
    customer_id: int
    redirect_uri: str
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    family_id: str


@dataclass(frozen=True)
class RefreshView:
    id: int
    client_id: str
    customer_id: int
    family_id: str
    scope: str


@dataclass(frozen=True)
class TokenRef:
    id: int
    client_id: str
    family_id: str | None


@dataclass(frozen=True)
class NewTokens:
    access_token: str
    refresh_token: str | None
    access_ttl: timedelta
    refresh_ttl: timedelta
    label: str


def save_authorization_code(
    uow: UnitOfWork,
    clock: Clock,
    *,
    code: str,
    client_id: str,
    customer_id: int,
    redirect_uri: str,
    scope: str,
    code_challenge: str | None,
    code_challenge_method: str | None,
    ttl: timedelta,
) -> None:
    now = clock.now()
    with uow:
        uow.auth_codes.add(
            m.OAuthAuthorizationCode(
                code_hash=hash_token(code),
                client_id=client_id,
                customer_id=customer_id,
                redirect_uri=redirect_uri,
                scope=scope,
                code_challenge=code_challenge,
                code_challenge_method=(code_challenge_method or "plain") if code_challenge else None,
                family_id=secrets.token_hex(16),
                expires_at=now + ttl,
                created_at=now,
            )
        )
        uow.commit()


def find_code(uow: UnitOfWork, clock: Clock, code: str | None, client_id: str) -> CodeView | None:
    """The unexpired, unused code issued to this client. A used code revokes what it was exchanged for."""
    if not code or len(code) > 512:
        return None
    with uow:
        row = uow.auth_codes.by_hash(hash_token(code))
        if row is None or row.client_id != client_id or row.expires_at <= clock.now():
            return None
        if row.used_at is not None:
            uow.linked_tokens.revoke_family(row.family_id, clock.now())
            uow.commit()
            return None
        return CodeView(
            row.id,
            row.client_id,
            row.customer_id,
            row.redirect_uri,
            row.scope,
            row.code_challenge,
            row.code_challenge_method,
            row.family_id,
        )


def exchange_code(uow: UnitOfWork, clock: Clock, code: CodeView, tokens: NewTokens) -> None:
    """Use the code and store the token pair in one transaction; losing a race to another exchange revokes both."""
    now = clock.now()
    with uow:
        if not uow.auth_codes.consume(code.id, now):
            uow.rollback()
            uow.linked_tokens.revoke_family(code.family_id, now)
            uow.commit()
            raise GrantReplayed("the authorization code was already used")
        _add_pair(uow, now, code.customer_id, code.client_id, code.family_id, code.scope, tokens)
        uow.commit()


def find_refresh_token(uow: UnitOfWork, clock: Clock, token: str | None) -> RefreshView | None:
    """A live refresh token. One already rotated away (or revoked) revokes its whole family: a replay."""
    if not token or len(token) > 512:
        return None
    now = clock.now()
    with uow:
        row = uow.linked_tokens.by_hash(hash_token(token))
        if row is None or row.kind != "refresh" or row.family_id is None:
            return None
        if row.revoked_at is not None:
            uow.linked_tokens.revoke_family(row.family_id, now)
            uow.commit()
            return None
        if row.expires_at <= now:
            return None
        return RefreshView(row.id, row.client_id, row.customer_id, row.family_id, row.scope)


def rotate_refresh_token(uow: UnitOfWork, clock: Clock, old: RefreshView, tokens: NewTokens) -> None:
    """Retire the presented refresh token and store the new pair, atomically; a lost race counts as a replay."""
    now = clock.now()
    with uow:
        if not uow.linked_tokens.retire(old.id, now):
            uow.rollback()
            uow.linked_tokens.revoke_family(old.family_id, now)
            uow.commit()
            raise GrantReplayed("the refresh token was already used")
        _add_pair(uow, now, old.customer_id, old.client_id, old.family_id, old.scope, tokens)
        uow.commit()


def _add_pair(
    uow: UnitOfWork,
    now: datetime,
    customer_id: int,
    client_id: str,
    family_id: str,
    scope: str,
    tokens: NewTokens,
) -> None:
    common: dict[str, object] = {
        "customer_id": customer_id,
        "client_id": client_id,
        "family_id": family_id,
        "scope": scope,
        "label": tokens.label,
        "created_at": now,
    }
    rows = [
        {
            **common,
            "token_hash": hash_token(tokens.access_token),
            "kind": "access",
            "expires_at": now + tokens.access_ttl,
        }
    ]
    if tokens.refresh_token is not None:
        refresh_expiry = now + tokens.refresh_ttl
        rows.append(
            {
                **common,
                "token_hash": hash_token(tokens.refresh_token),
                "kind": "refresh",
                "expires_at": refresh_expiry,
            }
        )
    uow.linked_tokens.add_all(rows)


def find_token(uow: UnitOfWork, token: str | None) -> TokenRef | None:
    """Any access or refresh token issued here (revoked or not), for the revocation endpoint."""
    if not token or len(token) > 512:
        return None
    with uow:
        row = uow.linked_tokens.by_hash(hash_token(token))
        return None if row is None else TokenRef(row.id, row.client_id, row.family_id)


def revoke_link(uow: UnitOfWork, clock: Clock, ref: TokenRef) -> None:
    """Revoking either token of a link ends the link: its access and refresh tokens alike (RFC 7009 section 2.1)."""
    now = clock.now()
    with uow:
        if ref.family_id is not None:
            uow.linked_tokens.revoke_family(ref.family_id, now)
        else:  # a token issued by the CLI stands alone
            uow.linked_tokens.retire(ref.id, now)
        uow.commit()
