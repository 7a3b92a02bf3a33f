"""Billers, customers and their accounts: created and updated by the biller's systems, the CLI and the seed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..config import SUPPORTED_LOCALES
from ..domain.clock import Clock
from ..domain.errors import InvalidInput, NotFound
from ..domain.money import normalize_currency, require_minor_units
from ..storage import models as m
from ..storage.uow import UnitOfWork

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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


def upsert_customer(uow: UnitOfWork, data: CustomerData, clock: Clock, *, keep_missing: bool = False) -> int:
    """Create or update a customer by email (else by an account number it already holds), and open accounts.

    keep_missing: a mobile given as None keeps the stored one (the biller API's merge: one biller's update
    must not erase what another biller of the same customer set).
    """
    validate_customer(data)
    email = data.email.strip().lower() if data.email else None
    with uow:
        customer = uow.customers.by_email(email) if email else None
        if customer is None:
            customer = _account_holder(uow, data.accounts)
            if customer is not None and email and customer.email not in (None, email):
                raise InvalidInput(
                    "this account belongs to a customer with another email address", field="email"
                )
        if customer is None:
            customer = m.Customer(name=data.name, email=email, created_at=clock.now(), voice_pin_failures=0)
            uow.customers.add(customer)
        _update_contact(customer, data, email, keep_missing=keep_missing)
        uow.flush()
        for biller_id, number in data.accounts.items():
            _open_account(uow, customer, biller_id, number)
        uow.commit()
        return customer.id


def _update_contact(
    customer: m.Customer, data: CustomerData, email: str | None, *, keep_missing: bool
) -> None:
    """Apply a biller's contact details, unless the customer is shared with another biller.

    One biller must never redirect where another biller's payment links and one-time login codes go: for a
    shared customer, a biller can fill in what is missing but not change what is there.
    """
    shared = customer.id is not None and any(a.biller_id not in data.accounts for a in customer.accounts)
    if shared:
        customer.mobile = customer.mobile or data.mobile
        customer.email = customer.email or email
        return
    customer.name, customer.locale = data.name, data.locale
    customer.email = customer.email or email
    if data.mobile is not None or not keep_missing:
        customer.mobile = data.mobile


def _account_holder(uow: UnitOfWork, accounts: dict[int, str]) -> m.Customer | None:
    for biller_id, number in accounts.items():
        account = uow.customers.account_by_number(biller_id, number)
        if account is not None:
            return account.customer
    return None


def _open_account(uow: UnitOfWork, customer: m.Customer, biller_id: int, number: str) -> None:
    if uow.billers.get(biller_id) is None:
        raise NotFound("unknown biller", biller_id=biller_id)
    holder = uow.customers.account_by_number(biller_id, number)
    if holder is not None and holder.customer_id != customer.id:
        raise InvalidInput("account number belongs to another customer", field="account_number")
    existing = uow.customers.account(customer.id, biller_id)
    if existing is None:
        uow.customers.add(
            m.CustomerAccount(customer_id=customer.id, biller_id=biller_id, account_number=number)
        )
    else:
        existing.account_number = number


def account_id(uow: UnitOfWork, customer_id: int, biller_id: int) -> int:
    with uow:
        account = uow.customers.account(customer_id, biller_id)
        if account is None:
            raise NotFound("customer has no account with this biller")
        return account.id
