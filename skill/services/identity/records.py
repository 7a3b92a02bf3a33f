"""Who a customer is across billers: biller records, people, and the proofs that join them (docs/adr/0003).

- A biller's API writes only its own records (`upsert_biller_record`), found by its own account number. It never
  looks up a person or another biller's record, so a matching email or mobile joins nothing and reveals nothing.
- A person is joined to a record only in `prove_channel`: a one-time code sent to one of the record's channels was
  entered. Until then the record has its own unproven holder (a person with no channels), who can only pay through
  the record's payment links.
- When a biller changes a claimed record so that none of its channels is one the person proved, the record goes
  back to an unproven holder: the biller now says it belongs to somebody else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...domain.clock import Clock
from ...storage import models as m
from ...storage.uow import UnitOfWork
from .directory import CustomerData, validate_customer


@dataclass(frozen=True)
class BillerRecord:
    """A biller's customer record as that biller's API sees it: nothing about the person behind it."""

    id: int
    account_number: str
    name: str
    email: str | None
    mobile: str | None
    locale: str
    created: bool


def upsert_biller_record(
    uow: UnitOfWork, clock: Clock, *, biller_id: int, account_number: str, data: CustomerData
) -> BillerRecord:
    """Create or update this biller's record for `account_number`. An omitted email or mobile keeps the stored one."""
    validate_customer(data)
    email = data.email.strip().lower() if data.email else None
    with uow:
        now = clock.now()
        record = uow.customers.account_by_number(biller_id, account_number, for_update=True)
        created = record is None
        if record is None:
            record = m.CustomerAccount(biller_id=biller_id, account_number=account_number, claimed_at=None)
            record.customer_id = _new_holder(uow, data.name, data.locale, now).id
            uow.customers.add(record)
        record.name, record.locale = data.name, data.locale
        record.email = email or record.email  # an omitted email or mobile keeps the stored one
        record.mobile = data.mobile or record.mobile
        _keep_holder_in_step(uow, record, now)
        uow.commit()
        return BillerRecord(
            record.id, account_number, record.name, record.email, record.mobile, record.locale, created
        )


def _new_holder(uow: UnitOfWork, name: str, locale: str, now: datetime) -> m.Customer:
    holder = m.Customer(name=name, locale=locale, created_at=now, voice_pin_failures=0)
    uow.customers.add(holder)
    uow.flush()
    return holder


def _keep_holder_in_step(uow: UnitOfWork, record: m.CustomerAccount, now: datetime) -> None:
    person = uow.customers.get(record.customer_id)
    assert person is not None
    if record.claimed_at is None:
        if person.email is None and person.mobile is None:  # the record's own holder: it speaks as the record
            person.name, person.locale = record.name, record.locale
        return
    if not proven_by(record, person):
        record.customer_id = _new_holder(uow, record.name, record.locale, now).id
        record.claimed_at = None


def proven_by(record: m.CustomerAccount, person: m.Customer) -> bool:
    """Whether the person proved one of the channels this record's biller supplied."""
    return bool(
        (record.email is not None and record.email == person.email)
        or (record.mobile is not None and record.mobile == person.mobile)
    )


def prove_channel(uow: UnitOfWork, *, channel: str, address: str, now: datetime) -> int:
    """A code sent to `address` was entered: the person holding it (new if none), with every record listing it.

    Inside the caller's transaction. Records already claimed by somebody else stay theirs. When nobody holds the
    address yet, the unproven holder of a record listing it becomes that person, so a card saved through that
    record's payment link stays with them.
    """
    person = uow.customers.by_email(address) if channel == "email" else uow.customers.by_mobile(address)
    records = uow.customers.records_listing(channel, address)
    unclaimed = [r for r in records if r.claimed_at is None]
    if person is None:
        person = next((r.customer for r in unclaimed if _unproven(r.customer)), None)
        if person is None:  # named after a record it now claims, never after somebody else's
            first = unclaimed[0] if unclaimed else None
            person = _new_holder(uow, first.name if first else "", first.locale if first else "en-US", now)
        if channel == "email":
            person.email = address
        else:
            person.mobile = address
    for record in unclaimed:
        record.customer_id, record.claimed_at = person.id, now
    uow.flush()
    return person.id


def _unproven(person: m.Customer) -> bool:
    return person.email is None and person.mobile is None


@dataclass(frozen=True)
class Contact:
    channel: str  # "sms" or "email"
    address: str


def record_contacts(
    record: m.CustomerAccount, person: m.Customer, *, asked_by_person: bool = False
) -> list[Contact]:
    """Where a message about this record's bills may go: mobile first, then email.

    The record's biller-supplied channels, except that a claimed record reaches its person only on channels the
    person proved (a biller must not route the person's wallet to a number the person never proved). When the
    person asks for a message themselves (by voice), their own proven channels count too.
    """
    found: list[Contact] = []
    for channel, supplied, proven in (
        ("sms", record.mobile, person.mobile),
        ("email", record.email, person.email),
    ):
        if supplied and (record.claimed_at is None or supplied == proven):
            found.append(Contact(channel, supplied))
        elif asked_by_person and proven:
            found.append(Contact(channel, proven))
    return found
