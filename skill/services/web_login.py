"""Signing in on the web (account linking and the account page): a one-time code by email or SMS, or a password.

Unknown and known identifiers get the same answers, through the same steps: a challenge row exists for both, and
a refused password costs one scrypt either way. Codes are stored keyed by the challenge token, which itself is
stored only as SHA-256, so a copy of the database does not let anyone try the million codes offline.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from ..config import Settings
from ..domain.clock import Clock
from ..domain.errors import DomainError
from ..notifications.outbox import enqueue
from ..storage import models as m
from ..storage.uow import UnitOfWork
from .directory import EMAIL
from .linking import hash_token
from .login_throttle import Subject, count_attempt, forget_old_windows, subject
from .passwords import password_matches


class LoginRefused(DomainError):
    """Wrong, expired or used code, or wrong identifier or password: deliberately one answer for all."""

    code = "login_refused"


@dataclass(frozen=True)
class LoginStarted:
    challenge_token: str  # kept by the browser (signed session), never stored raw


def _code_hash(challenge_token: str, code: str) -> str:
    return hashlib.sha256(f"{challenge_token}:{code}".encode()).hexdigest()


def _normalized(identifier: str) -> str:
    return (identifier or "").strip()[:320]


def _find_customer(uow: UnitOfWork, identifier: str) -> m.Customer | None:
    """By email, else by account number when exactly one customer holds it (two billers may share a number)."""
    if EMAIL.match(identifier):
        return uow.customers.by_email(identifier.lower())
    owners = {a.customer_id for a in uow.customer_lookup.accounts_by_number(identifier)}
    return uow.customers.get(owners.pop()) if len(owners) == 1 else None


def _subjects(settings: Settings, identifier: str, ip: str, customer_id: int | None) -> list[Subject]:
    auth = settings.auth
    found = [
        Subject(subject("id", identifier.lower(), settings.secret_key), auth.login_max_per_account),
        Subject(subject("ip", ip, settings.secret_key), auth.login_max_per_ip),
    ]
    if customer_id is not None:
        found.append(
            Subject(subject("customer", str(customer_id), settings.secret_key), auth.login_max_per_account)
        )
    return found


def start_code_login(
    uow: UnitOfWork, clock: Clock, settings: Settings, *, identifier: str, channel: str, ip: str, locale: str
) -> LoginStarted:
    """Send a 6-digit code to the customer's email or mobile (their choice when both exist) through the outbox."""
    identifier = _normalized(identifier)
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10**6):06d}"
    now = clock.now()
    ttl = timedelta(minutes=settings.auth.login_code_ttl_minutes)
    with uow:
        customer = _find_customer(uow, identifier) if identifier else None
        customer_id = customer.id if customer is not None else None
        count_attempt(uow, now, settings.auth, _subjects(settings, identifier, ip, customer_id))
        # Housekeeping on the way: finished challenges and past rate windows are of no further use.
        uow.login_challenges.forget_expired(now - timedelta(days=1))
        forget_old_windows(uow, now, settings.auth)
        destination = _destination(customer, channel)
        uow.login_challenges.add(
            m.LoginChallenge(
                token_hash=hash_token(token),
                code_hash=_code_hash(token, code),
                customer_id=customer_id if destination else None,
                subject_hash=subject("id", identifier.lower(), settings.secret_key),
                channel=destination[0] if destination else channel,
                failures=0,
                expires_at=now + ttl,
                created_at=now,
            )
        )
        if customer is not None and destination is not None:
            enqueue(
                uow,
                kind="otp",
                channel=destination[0],
                recipient=destination[1],
                locale=locale,
                payload={"code": code, "ttl_minutes": settings.auth.login_code_ttl_minutes},
                now=now,
                customer_id=customer.id,
                dedupe_key=_message_key(token),
            )
        uow.commit()
    return LoginStarted(token)


def _message_key(challenge_token: str) -> str:
    return f"otp:{hash_token(challenge_token)}"


def _destination(customer: m.Customer | None, channel: str) -> tuple[str, str] | None:
    """The channel the customer asked for if we have that contact, else the other one."""
    if customer is None:
        return None
    options = {"email": customer.email, "sms": customer.mobile}
    for name in (channel, *(c for c in ("email", "sms") if c != channel)):
        address = options.get(name)
        if address:
            return name, address
    return None


def verify_code(
    uow: UnitOfWork, clock: Clock, settings: Settings, *, challenge_token: str | None, code: str, ip: str
) -> int:
    """The customer id when the code is right, unexpired and unused; LoginRefused otherwise."""
    now = clock.now()
    code = "".join(ch for ch in (code or "") if ch.isdigit())[:6]
    with uow:
        row = uow.login_challenges.by_token_hash_for_update(hash_token(challenge_token or ""))
        if row is None:
            count_attempt(uow, now, settings.auth, _subjects(settings, "", ip, None)[1:])
            uow.commit()
            raise LoginRefused("the code is wrong or has expired")
        subjects = [
            Subject(row.subject_hash, settings.auth.login_max_per_account),
            *_subjects(settings, "", ip, row.customer_id)[1:],
        ]
        count_attempt(uow, now, settings.auth, subjects)
        usable = (
            row.used_at is None and row.expires_at > now and row.failures < settings.auth.login_code_max_tries
        )
        right = hmac.compare_digest(row.code_hash, _code_hash(challenge_token or "", code))
        if not (usable and right and row.customer_id is not None):
            row.failures += 1
            uow.commit()
            raise LoginRefused("the code is wrong or has expired")
        row.used_at = now
        customer_id = row.customer_id
        message = uow.outbox.by_dedupe_key(_message_key(challenge_token or ""))
        if message is not None:  # the outbox kept the code only to deliver it; once used it is forgotten
            message.payload = {**message.payload, "code": "------"}
        uow.commit()
        return customer_id


def password_login(
    uow: UnitOfWork, clock: Clock, settings: Settings, *, identifier: str, password: str, ip: str
) -> int:
    """The customer id when the password is right; LoginRefused (after the same scrypt work) otherwise."""
    identifier = _normalized(identifier)
    with uow:
        customer = _find_customer(uow, identifier) if identifier else None
        count_attempt(
            uow,
            clock.now(),
            settings.auth,
            _subjects(settings, identifier, ip, customer.id if customer else None),
        )
        uow.commit()
        stored = customer.password_hash if customer is not None else None
    if not password_matches(password, stored) or customer is None:
        raise LoginRefused("the details are wrong")
    return customer.id
