"""`/`: the start page (in the demo, what to try; otherwise a plain product page) and the demo's mailbox viewer.

Every /demo/ route answers 404 unless BILLPAY_DEMO is on (`billpay demo run` turns it on): the viewer shows
payment links and one-time codes, which must never be readable on a real deployment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, redirect
from flask.typing import ResponseReturnValue

from ..domain.model import Channel
from .app_services import current_services
from .demo_mailbox import list_messages, read_message
from .pages import choose_locale, render_page

if TYPE_CHECKING:
    from ..bootstrap import Services

bp = Blueprint("start", __name__)


@bp.get("/")
def start_page() -> ResponseReturnValue:
    demo = current_services().settings.demo_mode
    return render_page("start.html", choose_locale(), demo=demo)


@bp.post("/demo/pay")
def demo_pay() -> ResponseReturnValue:
    """A fresh payment link for the demo customer's first open bill, then its pay page (it also lands in the mailbox)."""
    services = _demo_services()
    customer = services.identity.resolve_access_token(_demo_token(services))
    if customer is None:
        abort(404)
    bills = services.billing.list_outstanding(customer.customer_id).bills
    if not bills:
        return render_page("start.html", choose_locale(customer.locale), demo=True, nothing_open=True)
    sent = services.links.send(
        customer_id=customer.customer_id,
        invoice_id=bills[0].id,
        requested_via=Channel.LINK,
        only=Channel.EMAIL,
    )
    return redirect(sent.url, code=303)


@bp.get("/demo/mailbox")
def mailbox_list() -> ResponseReturnValue:
    directory = _demo_services().settings.notify.mailbox_dir
    return render_page(
        "mailbox.html", choose_locale(), messages=list_messages(directory), directory=directory
    )


@bp.get("/demo/mailbox/<key>")
def mailbox_message(key: str) -> ResponseReturnValue:
    message = read_message(_demo_services().settings.notify.mailbox_dir, key)
    if message is None:
        abort(404)
    return render_page("mailbox_message.html", choose_locale(), message=message)


def _demo_services() -> Services:
    services = current_services()
    if not services.settings.demo_mode:
        abort(404)
    return services


def _demo_token(services: Services) -> str:
    """Written by `billpay demo run` (skill/demo/access.py)."""
    path = services.settings.demo_token_path
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""
