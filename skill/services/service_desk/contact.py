"""A biller's contact route: set and read by the biller through the API, and found for a customer by voice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ...domain.contact import (
    ContactRoute,
    check_email,
    check_hours,
    check_phone,
    check_url,
    hours_from_json,
    hours_to_json,
)
from ...domain.errors import DomainError, NotFound
from ...storage import models as m
from ...storage.uow import UnitOfWork
from ..billing.bills import biller_matches
from .results import BillerContact, ChooseBiller

log = logging.getLogger("skill.service_desk")


@dataclass(frozen=True)
class ContactSettings:
    """The contact route as the API reads and writes it."""

    phone: str | None
    email: str | None
    url: str | None
    hours: tuple[dict[str, Any], ...]


def get_contact(uow: UnitOfWork, biller_id: int) -> ContactSettings:
    with uow:
        return _settings(_biller(uow, biller_id))


def set_contact(
    uow: UnitOfWork,
    biller_id: int,
    *,
    phone: str | None,
    email: str | None,
    url: str | None,
    hours: list[Any] | None,
) -> ContactSettings:
    """Replace the whole route (None removes a field); everything is checked before anything is written."""
    checked_phone = check_phone(phone) if phone is not None else None
    checked_email = check_email(email) if email is not None else None
    checked_url = check_url(url) if url is not None else None
    checked_hours = check_hours(hours) if hours is not None else ()
    with uow:
        biller = _biller(uow, biller_id)
        biller.contact_phone, biller.contact_email, biller.contact_url = (
            checked_phone,
            checked_email,
            checked_url,
        )
        biller.contact_hours = hours_to_json(checked_hours) if checked_hours else None
        uow.commit()
        return _settings(biller)


def route_of(biller: m.Biller) -> ContactRoute:
    """The stored route; hours that no longer parse (written around the API) are left out, not a failure."""
    try:
        hours = hours_from_json(biller.contact_hours)
    except DomainError:
        log.warning("biller %s has unreadable contact hours; they are not read out", biller.id)
        hours = ()
    return ContactRoute(biller.contact_phone, biller.contact_email, biller.contact_url, hours)


def contact_for_customer(
    uow: UnitOfWork, customer_id: int, *, biller: str | None, focus: int | None
) -> BillerContact | ChooseBiller:
    """The route of the biller meant: the one named, else the biller of the bill in focus, else the only one."""
    with uow:
        customer = uow.customers.get(customer_id)
        if customer is None:
            raise NotFound("unknown customer")
        billers = list(
            {a.biller_id: a.biller for a in sorted(customer.accounts, key=lambda a: a.biller_id)}.values()
        )
        if biller:
            meant = [b for b in billers if biller_matches(b, biller)]
        else:
            invoice = uow.invoices.get(focus) if focus is not None else None
            in_focus = invoice is not None and invoice.account.customer_id == customer_id
            meant = [invoice.biller] if invoice is not None and in_focus else billers
        if len(meant) == 1:
            found = meant[0]
            return BillerContact(found.name, found.spoken_name, route_of(found))
        offered = meant or billers
        return ChooseBiller(tuple(b.spoken_name for b in offered), unknown_name=bool(biller) and not meant)


def _biller(uow: UnitOfWork, biller_id: int) -> m.Biller:
    biller = uow.billers.get(biller_id)
    if biller is None:
        raise NotFound("unknown biller")
    return biller


def _settings(biller: m.Biller) -> ContactSettings:
    route = route_of(biller)
    return ContactSettings(route.phone, route.email, route.url, tuple(hours_to_json(route.hours)))
