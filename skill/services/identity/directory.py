"""Billers, and people enrolled by the operator (CLI, demo seed) with their biller records.

The biller API manages only its own records (services/biller_records.py); a person is joined to a biller's record
only by proving one of that record's channels (services/identity.py). See docs/adr/0003-identity-across-billers.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ...domain.clock import Clock
from ...domain.errors import InvalidInput, NotFound
from ...domain.money import normalize_currency, require_minor_units
from ...settings import SUPPORTED_LOCALES
from ...storage import models as m
from ...storage.uow import UnitOfWork

E164 = re.compile(r"\+[1-9][0-9]{6,14}\Z")  # ASCII digits only; \Z: no trailing newline
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")


@dataclass(frozen=True)
class NewBiller:
    slug: str
    name: str
    spoken_name: str
    country: str
    default_currency: str
    aliases: tuple[str, ...] = ()
    partial_allowed: bool = False
    partial_min_minor: int = 0
    pin_threshold_minor: int = 10000


@dataclass(frozen=True)
class CustomerData:
    name: str
    email: str | None = None
    mobile: str | None = None
    locale: str = "en-US"
    accounts: dict[int, str] = field(default_factory=dict)  # biller id -> account number


def create_biller(uow: UnitOfWork, new: NewBiller, clock: Clock) -> int:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", new.slug):
        raise InvalidInput("slug must be lower-case letters, digits and dashes", field="slug")
    if not re.fullmatch(r"[A-Z]{2}", new.country):
        raise InvalidInput("country must be an ISO 3166 alpha-2 code", field="country")
    require_minor_units(new.partial_min_minor, positive=False)
    require_minor_units(new.pin_threshold_minor, positive=False)
    with uow:
        if uow.billers.by_slug(new.slug) is not None:
            raise InvalidInput("a biller with this slug exists", field="slug")
        biller = m.Biller(
            slug=new.slug,
            name=new.name,
            spoken_name=new.spoken_name,
            aliases=list(new.aliases),
            country=new.country,
            default_currency=normalize_currency(new.default_currency),
            partial_allowed=new.partial_allowed,
            partial_min_minor=new.partial_min_minor,
            pin_threshold_minor=new.pin_threshold_minor,
            created_at=clock.now(),
        )
        uow.billers.add(biller)
        uow.commit()
        return biller.id


def validate_customer(data: CustomerData) -> CustomerData:
    if not data.name.strip():
        raise InvalidInput("name is required", field="name")
    if data.email is not None and not EMAIL.match(data.email):
        raise InvalidInput("email is not a valid address", field="email")
    if data.mobile is not None and not E164.match(data.mobile):
        raise InvalidInput("mobile must be in E.164 form, like +31612345678", field="mobile")
    if data.locale not in SUPPORTED_LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(SUPPORTED_LOCALES)}", field="locale")
    return data


def upsert_customer(uow: UnitOfWork, data: CustomerData, clock: Clock) -> int:
    """Enroll a person and their records, vouched for by the operator (CLI, demo seed): never the biller API.

    The email and mobile given count as proven (the operator checked them), so the person signs in with them and
    every record opened here is claimed. Found again by that email, else by a record the person already holds.
    """
    validate_customer(data)
    email = data.email.strip().lower() if data.email else None
    with uow:
        now = clock.now()
        customer = uow.customers.by_email(email) if email else None
        if customer is None:
            customer = _account_holder(uow, data.accounts)
            if customer is not None and email and customer.email not in (None, email):
                raise InvalidInput(
                    "this account belongs to a customer with another email address", field="email"
                )
        if customer is None:
            customer = m.Customer(name=data.name, email=email, created_at=now, voice_pin_failures=0)
            uow.customers.add(customer)
        customer.name, customer.locale = data.name, data.locale
        customer.email = customer.email or email
        customer.mobile = data.mobile
        uow.flush()
        for biller_id, number in data.accounts.items():
            _open_account(uow, customer, biller_id, number, data, now)
        uow.commit()
        return customer.id


def _account_holder(uow: UnitOfWork, accounts: dict[int, str]) -> m.Customer | None:
    for biller_id, number in accounts.items():
        account = uow.customers.account_by_number(biller_id, number)
        if account is not None:
            return account.customer
    return None


def _open_account(
    uow: UnitOfWork, customer: m.Customer, biller_id: int, number: str, data: CustomerData, now: datetime
) -> None:
    if uow.billers.get(biller_id) is None:
        raise NotFound("unknown biller", biller_id=biller_id)
    record = uow.customers.account_by_number(biller_id, number)
    if record is not None and record.customer_id != customer.id:
        raise InvalidInput("account number belongs to another customer", field="account_number")
    if record is None:
        record = m.CustomerAccount(customer_id=customer.id, biller_id=biller_id, account_number=number)
        uow.customers.add(record)
    record.name, record.locale = data.name, data.locale
    record.email, record.mobile = customer.email, customer.mobile
    record.claimed_at = record.claimed_at or now


def account_id(uow: UnitOfWork, customer_id: int, biller_id: int) -> int:
    with uow:
        account = uow.customers.account(customer_id, biller_id)
        if account is None:
            raise NotFound("customer has no account with this biller")
        return account.id
