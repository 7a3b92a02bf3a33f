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

from ...domain.clock import Clock
from ...domain.errors import DomainError
from ...domain.tokens import hash_token, new_token
from ...settings import Settings
from ...storage import models as m
from ...storage.errors import DuplicateKey, duplicate_keys_raised
from ...storage.outbox import enqueue
from ...storage.uow import UnitOfWork
from .brand_name import deployment_brand_name
from .directory import E164, EMAIL
from .passwords import password_matches
from .records import prove_channel
from .throttle import Subject, count_attempt, forget_old_windows, subject


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
    """The person who proved this email or mobile, or the claimant of the one record holding this account number."""
    if EMAIL.match(identifier):
        return uow.customers.by_email(identifier.lower())
    if E164.match(identifier):
        return uow.customers.by_mobile(identifier)
    records = uow.customers.accounts_by_number(identifier)
    if len(records) == 1 and records[0].claimed_at is not None:  # two billers may share a number
        return records[0].customer
    return None


@dataclass(frozen=True)
class _Destination:
    channel: str  # "email" or "sms"
    address: str
    customer_id: int | None  # the person who proved this address; None while claiming a record's channel


def _destination(uow: UnitOfWork, identifier: str, prefer: str) -> _Destination | None:
    """Where the code may go: a channel the person proved, or a channel of the biller record being claimed.

    Never a channel that only an API caller asserted for somebody else (docs/adr/0003): a typed email or mobile
    receives the code itself, and a person's other channel is used only when that person proved it.
    """
    person = _find_customer(uow, identifier)
    if person is not None:
        return _proven_channel(person, prefer)
    if EMAIL.match(identifier):
        email = identifier.lower()
        return _Destination("email", email, None) if uow.customers.records_listing("email", email) else None
    if E164.match(identifier):
        return (
            _Destination("sms", identifier, None)
            if uow.customers.records_listing("sms", identifier)
            else None
        )
    records = uow.customers.accounts_by_number(identifier)
    if len(records) != 1:
        return None
    options = {"email": records[0].email, "sms": records[0].mobile}
    return _first_of(options, prefer, None)


def _proven_channel(person: m.Customer, prefer: str) -> _Destination | None:
    return _first_of({"email": person.email, "sms": person.mobile}, prefer, person.id)


def _first_of(options: dict[str, str | None], prefer: str, customer_id: int | None) -> _Destination | None:
    """The channel asked for when there is an address for it, else the other one."""
    for name in (prefer, *(c for c in ("email", "sms") if c != prefer)):
        address = options.get(name)
        if address:
            return _Destination(name, address, customer_id)
    return None


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
    """Send a 6-digit code through the outbox to where `_destination` allows (the person's choice of channel)."""
    identifier = _normalized(identifier)
    token = new_token()
    code = f"{secrets.randbelow(10**6):06d}"
    now = clock.now()
    ttl = timedelta(minutes=settings.auth.login_code_ttl_minutes)
    with uow:
        destination = _destination(uow, identifier, channel) if identifier else None
        customer_id = destination.customer_id if destination is not None else None
        count_attempt(uow, now, settings.auth, _subjects(settings, identifier, ip, customer_id))
        # Housekeeping on the way: finished challenges and past rate windows are of no further use.
        uow.login_challenges.forget_expired(now - timedelta(days=1))
        forget_old_windows(uow, now, settings.auth)
        uow.login_challenges.add(
            m.LoginChallenge(
                token_hash=hash_token(token),
                code_hash=_code_hash(token, code),
                customer_id=customer_id,
                subject_hash=subject("id", identifier.lower(), settings.secret_key),
                channel=destination.channel if destination else channel,
                address=destination.address if destination else None,
                failures=0,
                expires_at=now + ttl,
                created_at=now,
            )
        )
        if destination is not None:
            enqueue(
                uow,
                kind="otp",
                channel=destination.channel,
                recipient=destination.address,
                locale=locale,
                payload={
                    "code": code,
                    "ttl_minutes": settings.auth.login_code_ttl_minutes,
                    "brand_name": deployment_brand_name(uow, settings.notify.brand_name),
                },
                now=now,
                customer_id=customer_id,
                dedupe_key=_message_key(token),
            )
        uow.commit()
    return LoginStarted(token)


def _message_key(challenge_token: str) -> str:
    return f"otp:{hash_token(challenge_token)}"


def verify_code(
    uow: UnitOfWork, clock: Clock, settings: Settings, *, challenge_token: str | None, code: str, ip: str
) -> int:
    """The person's id when the code is right, unexpired and unused; LoginRefused otherwise.

    Two codes for the same new address entered at the same moment (two tabs) both try to create its person:
    the loser of that race is rolled back and runs once more, and then finds the person the winner created.
    """
    try:
        return _verify_code(uow, clock, settings, challenge_token=challenge_token, code=code, ip=ip)
    except DuplicateKey:
        return _verify_code(uow, clock, settings, challenge_token=challenge_token, code=code, ip=ip)


def _verify_code(
    uow: UnitOfWork, clock: Clock, settings: Settings, *, challenge_token: str | None, code: str, ip: str
) -> int:
    now = clock.now()
    code = "".join(ch for ch in (code or "") if ch in "0123456789")[:6]
    with uow, duplicate_keys_raised():
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
        if not (usable and right and row.address is not None):
            row.failures += 1
            uow.commit()
            raise LoginRefused("the code is wrong or has expired")
        row.used_at = now
        # Entering the code proves the address it went to: that person, and the records listing it, join.
        customer_id = prove_channel(uow, channel=row.channel, address=row.address, now=now)
        row.address = None
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
