"""What each corpus family's answer must contain, computed from the store (never hard-coded text).

The runner (tests/e2e/test_phrasing_corpus.py) takes a `Snapshot` of the store before and after the phrase and
hands both, with what the customer heard, to the family's check; a check returns the problems it found (an empty
list: the answer is right). Amounts and dates are matched in the locale's formats; tests/corpus/README.md says
what each family must answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import select

from skill.bootstrap import Services
from skill.storage import models as m

DUE_SOON_DAYS = 7
OPEN_STATUSES = ("open", "partially_paid")
# Words that are English and neither German nor Dutch: none may appear in a de-DE or nl-NL answer.
ENGLISH_WORDS = frozenset(
    [
        "the",
        "you",
        "your",
        "bill",
        "bills",
        "please",
        "sorry",
        "would",
        "which",
        "what",
        "with",
        "from",
        "paid",
        "payment",
        "due",
        "owe",
        "goodbye",
        "thanks",
    ]
)


# --- the store -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Bill:
    invoice_id: int
    number: str
    biller_slug: str
    biller: str  # the spoken name, as the skill says it
    bill_type: str
    issue_date: date
    due_date: date
    amount_due: int
    paid: int
    status: str
    texts: tuple[str, ...]  # the biller's own texts (description, line items): not ours to translate

    @property
    def left(self) -> int:
        return self.amount_due - self.paid

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Biller:
    slug: str
    names: tuple[str, ...]  # spoken name first, then the legal name and aliases
    contact: tuple[str, ...]  # fragments that show a configured contact route (phone digits, email, host)


@dataclass(frozen=True)
class Attempt:
    id: int
    invoice_id: int
    amount: int
    status: str


@dataclass(frozen=True)
class Snapshot:
    today: date
    bills: tuple[Bill, ...]
    billers: dict[str, Biller]
    attempts: tuple[Attempt, ...]
    outbox: tuple[tuple[int, str, str, int | None], ...]  # id, kind, channel, invoice id
    events: tuple[tuple[int, int, str], ...]  # id, invoice id, kind
    charged: tuple[int, ...]  # what the gateway took, in minor units, in order
    customers: tuple[tuple[int, bool, int, bool], ...] = ()  # id, PIN set, wrong PINs, locked

    @property
    def open_bills(self) -> list[Bill]:
        return [b for b in self.bills if b.is_open]

    def bill(self, invoice_id: int) -> Bill:
        return next(b for b in self.bills if b.invoice_id == invoice_id)

    def biller_name(self, slug: str) -> str:
        return self.billers[slug].names[0]

    def fingerprint(self) -> tuple[Any, ...]:
        """What a phrase may change; a different fingerprint after a phrase means the store is re-seeded."""
        bills = tuple((b.number, b.status, b.paid) for b in self.bills)
        return bills, self.attempts, self.outbox, self.events, self.charged, self.customers


def take_snapshot(services: Services, charged: Sequence[int]) -> Snapshot:
    with services.uow() as uow:
        s = uow.session
        billers = {
            b.slug: Biller(b.slug, _names(b), _contact(b))
            for b in s.scalars(select(m.Biller).order_by(m.Biller.id))
        }
        slugs = {b.id: b.slug for b in s.scalars(select(m.Biller))}
        bills = tuple(
            Bill(
                invoice_id=i.id,
                number=i.number,
                biller_slug=slugs[i.biller_id],
                biller=billers[slugs[i.biller_id]].names[0],
                bill_type=str(i.bill_type.value),
                issue_date=i.issue_date,
                due_date=i.due_date,
                amount_due=i.amount_due_minor,
                paid=i.amount_paid_minor,
                status=str(i.status.value),
                texts=(i.description, *(str(li.get("description", "")) for li in i.line_items or ())),
            )
            for i in s.scalars(select(m.Invoice).order_by(m.Invoice.id))
        )
        attempts = tuple(
            Attempt(a.id, a.invoice_id, a.amount_minor, str(a.status.value))
            for a in s.scalars(select(m.PaymentAttempt).order_by(m.PaymentAttempt.id))
        )
        outbox = tuple(
            (o.id, o.kind, o.channel, o.invoice_id)
            for o in s.scalars(select(m.OutboxMessage).order_by(m.OutboxMessage.id))
        )
        events = tuple(
            (e.id, e.invoice_id, e.kind)
            for e in s.scalars(select(m.InvoiceEvent).order_by(m.InvoiceEvent.id))
        )
        customers = tuple(
            (c.id, c.voice_pin_hash is not None, c.voice_pin_failures, c.voice_pin_locked_at is not None)
            for c in s.scalars(select(m.Customer).order_by(m.Customer.id))
        )
    return Snapshot(
        services.clock.today(), bills, billers, attempts, outbox, events, tuple(charged), customers
    )


def _names(biller: m.Biller) -> tuple[str, ...]:
    return tuple(dict.fromkeys([biller.spoken_name, biller.name, *(str(a) for a in biller.aliases or ())]))


def _contact(biller: m.Biller) -> tuple[str, ...]:
    found: list[str] = []
    if getattr(biller, "contact_phone", None):
        found.append(re.sub(r"\D", "", str(biller.contact_phone))[-4:])
    if getattr(biller, "contact_email", None):
        found.append(str(biller.contact_email))
    if getattr(biller, "contact_url", None):
        found.append(re.sub(r"^https?://(www\.)?", "", str(biller.contact_url)).split("/")[0])
    return tuple(found)


# --- formats ---------------------------------------------------------------------------------------------------
def money_pattern(minor: int, locale: str) -> str:
    """An amount in euros as the locale writes it: '€94.30', '94,30 €', '€ 94,30', '94,30 Euro'; '.00' optional."""
    value = Decimal(minor) / 100
    number = re.escape(str(format_decimal(value, format="#,##0.00", locale=locale.replace("-", "_"))))
    if minor % 100 == 0:
        whole = re.escape(str(format_decimal(value, format="#,##0", locale=locale.replace("-", "_"))))
        number = f"(?:{number}|{whole}(?![.,]\\d))"
    return rf"(?:€\s?{number}|{number}\s?(?:€|euros?\b|Euro\b))"


def date_pattern(day: date, locale: str) -> str:
    """A date as spoken: SSML say-as digits (????MMDD) or the month's name with the day, or the weekday."""
    lang = locale.replace("-", "_")
    month = re.escape(str(format_date(day, "MMMM", locale=lang)))
    weekday = re.escape(str(format_date(day, "EEEE", locale=lang)))
    return rf"(?:(?:\?{{4}}|{day.year}){day:%m%d}|\b{day.day}\.?\s+{month}|{month}\s+{day.day}\b|{weekday})"


def says(speech: str, pattern: str) -> bool:
    return re.search(pattern, speech, flags=re.IGNORECASE) is not None


def names(speech: str, bill_or_slug: Bill | str, snap: Snapshot) -> bool:
    slug = bill_or_slug.biller_slug if isinstance(bill_or_slug, Bill) else bill_or_slug
    return any(says(speech, rf"\b{re.escape(n)}\b") for n in snap.billers[slug].names)


def english_words(speech: str, snap: Snapshot) -> list[str]:
    """English words in a German or Dutch answer, the billers' names and own texts left out."""
    rest = speech
    foreign = [n for b in snap.billers.values() for n in b.names] + [
        t for b in snap.bills for t in b.texts if t
    ]
    for text in sorted(foreign, key=len, reverse=True):
        rest = re.sub(re.escape(text), " ", rest, flags=re.IGNORECASE)
    return sorted({w for w in re.findall(r"[a-z']+", rest.lower()) if w in ENGLISH_WORDS})


# --- what the runner heard -------------------------------------------------------------------------------------
@dataclass
class Heard:
    locale: str
    slots: dict[str, str]  # the slots the entry expects (the answer is checked for what was meant)
    speech: str
    ssml: str
    ended: bool
    card_text: str
    before: Snapshot
    after: Snapshot
    preset: str | None  # the before-preset's name ("confirm:water"), None for steps or none
    previous_speech: str | None  # what the customer heard just before the phrase
    listed: list[int] = field(default_factory=list)  # invoice ids in the order the last listing read them
    focus: int | None = None  # the bill the context is about (details:, confirm:, pin, paid:)

    @property
    def everything(self) -> str:
        return f"{self.speech} {self.ssml} {self.card_text}"

    def money(self, minor: int) -> str:
        return money_pattern(minor, self.locale)


Problems = list[str]


def _need(problems: Problems, ok: bool, what: str) -> None:
    if not ok:
        problems.append(what)


def target(heard: Heard, default: Callable[[Snapshot], Bill | None] | None = None) -> Bill | None:
    """The bill the phrase is about: named by its slots, else the context's, else the family's default."""
    snap, slots = heard.before, heard.slots
    if "ordinal" in slots:
        index = int(slots["ordinal"]) - 1
        order = heard.listed or [b.invoice_id for b in sorted(snap.open_bills, key=lambda b: b.due_date)]
        return snap.bill(order[index]) if index < len(order) else None
    wanted = [
        b
        for b in snap.bills
        if slots.get("billType", b.bill_type) == b.bill_type
        and slots.get("biller", b.biller_slug) == b.biller_slug
    ]
    if "billType" in slots or "biller" in slots:
        ranked = sorted(wanted, key=lambda b: (not b.is_open, -b.issue_date.toordinal()))
        return ranked[0] if ranked else None
    if heard.focus is not None:
        return snap.bill(heard.focus)
    return default(snap) if default else None


def asks_which(heard: Heard) -> bool:
    """A question that names at least two of the open bills' billers."""
    named = {b.biller_slug for b in heard.before.open_bills if names(heard.speech, b, heard.before)}
    return "?" in heard.speech and len(named) >= 2


def nothing_charged(heard: Heard, problems: Problems) -> None:
    extra = heard.after.charged[len(heard.before.charged) :]
    _need(problems, not extra, f"charge nothing (charged {list(extra)})")


def charged_once(heard: Heard, problems: Problems, minor: int) -> None:
    extra = list(heard.after.charged[len(heard.before.charged) :])
    _need(problems, extra == [minor], f"charge {minor / 100:.2f} once (charged {extra})")


def new_rows(heard: Heard, kind: str) -> list[Any]:
    before = {row[0] for row in getattr(heard.before, kind)}
    return [row for row in getattr(heard.after, kind) if row[0] not in before]


def names_bill_and_amount(heard: Heard, bill: Bill, minor: int, problems: Problems) -> None:
    _need(problems, names(heard.speech, bill, heard.before), f"name {bill.biller}")
    _need(problems, says(heard.speech, heard.money(minor)), f"say the amount {minor / 100:.2f}")


def question_open(heard: Heard, problems: Problems) -> None:
    _need(problems, not heard.ended, "keep the session open")


# --- the families ----------------------------------------------------------------------------------------------
def check_list(heard: Heard) -> Problems:
    problems: Problems = []
    snap, slots = heard.before, heard.slots
    status = slots.get("billStatus")
    expected = []
    for bill in snap.open_bills:
        overdue = bill.due_date < snap.today
        if (
            slots.get("billType", bill.bill_type) != bill.bill_type
            or slots.get("biller", bill.biller_slug) != bill.biller_slug
        ):
            continue
        if status == "overdue" and not overdue:
            continue
        if status == "due_soon" and (overdue or bill.due_date > snap.today + timedelta(days=DUE_SOON_DAYS)):
            continue
        expected.append(bill)
    for bill in snap.open_bills:
        if bill in expected:
            names_bill_and_amount(heard, bill, bill.left, problems)
        elif names(heard.speech, bill, snap) and bill.biller_slug not in {b.biller_slug for b in expected}:
            problems.append(f"not name {bill.biller} ({bill.bill_type})")
    question_open(heard, problems)
    return problems


def check_details(heard: Heard) -> Problems:
    problems: Problems = []
    bill = target(heard)
    if bill is None:
        return ["(corpus) the entry names no bill"]
    names_bill_and_amount(heard, bill, bill.left, problems)
    for other in heard.before.open_bills:
        if other.biller_slug != bill.biller_slug and names(heard.speech, other, heard.before):
            problems.append(f"not name {other.biller}")
    return problems


def pay_amount(heard: Heard, bill: Bill) -> int | None:
    slots = heard.slots
    if "amount" in slots:
        return int(slots["amount"]) * 100 + int(slots.get("cents", "0"))
    if slots.get("amountKind") == "minimum":
        return None
    return bill.left


def check_pay(heard: Heard) -> Problems:
    problems: Problems = []
    bill = target(heard)
    if bill is None:
        return ["(corpus) the entry names no bill"]
    minor = pay_amount(heard, bill)
    if minor is None:
        _need(problems, names(heard.speech, bill, heard.before), f"name {bill.biller}")
    else:
        names_bill_and_amount(heard, bill, minor, problems)
    if heard.slots.get("method") == "card":
        _need(problems, "4242" in heard.speech, "name the card (ending 4242)")
    _need(problems, "?" in heard.speech, "ask to confirm")
    question_open(heard, problems)
    nothing_charged(heard, problems)
    return problems


def check_link(heard: Heard) -> Problems:
    problems: Problems = []
    bill = target(heard, default=None)
    if bill is None:
        bill = heard.before.bill(heard.focus) if heard.focus else None
    if bill is None:
        return [] if asks_which(heard) else ["send a link for a bill, or ask which"]
    names_bill_and_amount(heard, bill, bill.left, problems)
    rows = [r for r in new_rows(heard, "outbox") if r[3] == bill.invoice_id]
    _need(problems, bool(rows), f"queue a message with a link for {bill.number}")
    channel = heard.slots.get("channel")
    if rows and channel:
        _need(
            problems, any(r[2] == channel for r in rows), f"send it by {channel}, not {[r[2] for r in rows]}"
        )
    return problems


def latest_attempt(snap: Snapshot) -> Attempt | None:
    return snap.attempts[-1] if snap.attempts else None


def check_payment_status(heard: Heard) -> Problems:
    problems: Problems = []
    attempt = latest_attempt(heard.before)
    if attempt is None:
        return ["(corpus) no payment in the store to ask about"]
    names_bill_and_amount(heard, heard.before.bill(attempt.invoice_id), attempt.amount, problems)
    return problems


def check_history(heard: Heard) -> Problems:
    problems: Problems = []
    done = [a for a in heard.before.attempts if a.status == "succeeded"]
    if not done:
        return ["(corpus) no completed payment in the store"]
    names_bill_and_amount(heard, heard.before.bill(done[-1].invoice_id), done[-1].amount, problems)
    return problems


def check_pin(heard: Heard) -> Problems:
    problems: Problems = []
    bill = heard.before.bill(heard.focus) if heard.focus else None
    if bill is None:
        return ["(corpus) a PIN needs the 'pin' context"]
    if heard.slots.get("pin") == PIN:
        names_bill_and_amount(heard, bill, bill.left, problems)
        charged_once(heard, problems, bill.left)
    else:
        nothing_charged(heard, problems)
        question_open(heard, problems)
    return problems


def check_yes(heard: Heard) -> Problems:
    preset = heard.preset or ""
    if preset.startswith("details:"):
        return check_pay(heard)  # "would you like to pay it?" - yes: the confirmation
    if preset == "paged":
        return check_more(heard)
    problems: Problems = []
    bill = heard.before.bill(heard.focus) if heard.focus else None
    if bill is None:
        return ["(corpus) yes needs a context"]
    names_bill_and_amount(heard, bill, bill.left, problems)
    charged_once(heard, problems, bill.left)
    return problems


def check_no(heard: Heard) -> Problems:
    problems: Problems = []
    nothing_charged(heard, problems)
    question_open(heard, problems)
    return problems


def check_help(heard: Heard) -> Problems:
    problems: Problems = []
    _need(problems, "?" in heard.speech, "end with a question")
    question_open(heard, problems)
    return problems


def check_stop(heard: Heard) -> Problems:
    problems: Problems = []
    _need(problems, heard.ended, "end the session")
    nothing_charged(heard, problems)
    return problems


def check_more(heard: Heard) -> Problems:
    problems: Problems = []
    unheard = [b for b in heard.before.open_bills if b.invoice_id not in heard.listed]
    if not unheard:
        return ["(corpus) 'more' needs a listing with bills left"]
    for bill in unheard:
        names_bill_and_amount(heard, bill, bill.left, problems)
    return problems


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def check_repeat(heard: Heard) -> Problems:
    problems: Problems = []
    before = heard.previous_speech
    if not before:
        return ["(corpus) repeat needs something said before"]
    _need(problems, _plain(before) in _plain(heard.speech), "say again what was said before")
    nothing_charged(heard, problems)
    return problems


def check_start_over(heard: Heard) -> Problems:
    problems: Problems = []
    nothing_charged(heard, problems)  # the runner says "yes" after the phrase: the pending question is gone
    question_open(heard, problems)
    return problems


def check_total(heard: Heard) -> Problems:
    problems: Problems = []
    slug = heard.slots.get("biller")
    bills = [b for b in heard.before.open_bills if slug in (None, b.biller_slug)]
    total = sum(b.left for b in bills)
    _need(problems, says(heard.speech, heard.money(total)), f"say the total {total / 100:.2f}")
    return problems


def check_next_due(heard: Heard) -> Problems:
    problems: Problems = []
    snap, slots = heard.before, heard.slots
    candidates = [
        b
        for b in snap.open_bills
        if slots.get("billType", b.bill_type) == b.bill_type
        and slots.get("biller", b.biller_slug) == b.biller_slug
    ]
    if not ("billType" in slots or "biller" in slots):
        candidates = [b for b in candidates if b.due_date >= snap.today]
    if not candidates:
        return ["(corpus) no open bill of that kind"]
    bill = min(candidates, key=lambda b: b.due_date)
    _need(problems, names(heard.speech, bill, snap), f"name {bill.biller}")
    _need(
        problems,
        says(heard.everything, date_pattern(bill.due_date, heard.locale)),
        f"say the due date {bill.due_date}",
    )
    return problems


def _part_paid(snap: Snapshot) -> Bill | None:
    return next((b for b in snap.open_bills if b.paid), None)


def check_left(heard: Heard) -> Problems:
    problems: Problems = []
    bill = target(heard)
    if bill is None:
        return [] if asks_which(heard) else ["say the amount left on a bill, or ask which"]
    _need(problems, says(heard.speech, heard.money(bill.left)), f"say the amount left {bill.left / 100:.2f}")
    return problems


def _latest(snap: Snapshot) -> Bill | None:
    return max(snap.bills, key=lambda b: (b.issue_date, b.invoice_id), default=None)


def check_latest_invoice(heard: Heard) -> Problems:
    problems: Problems = []
    named = bool({"billType", "biller"} & set(heard.slots))
    bill = target(heard, default=_latest)
    if bill is None:
        return ["(corpus) no such bill"]
    if not named and not heard.focus and asks_which(heard):
        return []
    _need(problems, names(heard.speech, bill, heard.before), f"name {bill.biller}")
    rows = [r for r in new_rows(heard, "outbox") if r[3] == bill.invoice_id]
    _need(problems, bool(rows), f"send {bill.number} again (an outbox row for it)")
    channel = heard.slots.get("channel")
    if rows and channel:
        _need(
            problems, any(r[2] == channel for r in rows), f"send it by {channel}, not {[r[2] for r in rows]}"
        )
    return problems


def _overdue(snap: Snapshot) -> Bill | None:
    return next(
        (b for b in sorted(snap.open_bills, key=lambda b: b.due_date) if b.due_date < snap.today), None
    )


def _about_bill(
    default: Callable[[Snapshot], Bill | None] | None, amount: Callable[[Bill], int | None]
) -> Callable[[Heard], Problems]:
    """A customer-service answer about one bill: it names the bill (and an amount); or asks which, if none named."""

    def check(heard: Heard) -> Problems:
        problems: Problems = []
        named = bool({"billType", "biller", "ordinal"} & set(heard.slots)) or heard.focus is not None
        bill = target(heard, default=default)
        if not named and asks_which(heard):
            return []
        if bill is None:
            return ["name the bill, or ask which"]
        _need(problems, names(heard.speech, bill, heard.before), f"name {bill.biller}")
        minor = amount(bill)
        if minor is not None:
            _need(problems, says(heard.speech, heard.money(minor)), f"say the amount {minor / 100:.2f}")
        return problems

    return check


def _previous_difference(snap: Snapshot) -> Callable[[Bill], int | None]:
    def difference(bill: Bill) -> int | None:
        earlier = [
            b
            for b in snap.bills
            if b.bill_type == bill.bill_type
            and b.biller_slug == bill.biller_slug
            and b.issue_date < bill.issue_date
        ]
        if not earlier:
            return None
        return abs(bill.amount_due - max(earlier, key=lambda b: b.issue_date).amount_due)

    return difference


def _went_up(snap: Snapshot) -> Bill | None:
    difference = _previous_difference(snap)
    return next((b for b in snap.open_bills if difference(b)), None)


def check_why_higher(heard: Heard) -> Problems:
    return _about_bill(_went_up, _previous_difference(heard.before))(heard)


def check_overpaid(heard: Heard) -> Problems:
    paid_ids = {a.invoice_id for a in heard.before.attempts}
    problems = _about_bill(None, lambda bill: None)(heard)
    named = bool({"billType", "biller", "ordinal"} & set(heard.slots)) or heard.focus is not None
    if not named and problems == ["name the bill, or ask which"]:
        paid = [heard.before.bill(i) for i in paid_ids]
        if any(names(heard.speech, b, heard.before) for b in paid):
            return []
        return ["name a bill with a payment, or ask which"]
    return problems


def check_contact(heard: Heard) -> Problems:
    problems: Problems = []
    slug = heard.slots.get("biller")
    if slug is None and ("billType" in heard.slots or heard.focus is not None):
        bill = target(heard)
        slug = bill.biller_slug if bill else None
    if slug is None:
        if asks_which(heard) or any(names(heard.speech, s, heard.before) for s in heard.before.billers):
            return []
        return ["name a biller's contact route, or ask which"]
    _need(problems, names(heard.speech, slug, heard.before), f"name {heard.before.biller_name(slug)}")
    routes = heard.before.billers[slug].contact
    if routes:
        _need(
            problems,
            any(r in heard.everything for r in routes),
            f"give the contact route ({', '.join(routes)})",
        )
    return problems


def _recorded(check: Callable[[Heard], Problems]) -> Callable[[Heard], Problems]:
    """A request recorded on the invoice's timeline (a dispute, a payment plan), when the bill is known."""

    def recorded(heard: Heard) -> Problems:
        problems = check(heard)
        bill = target(heard)
        named = bool({"billType", "biller", "ordinal"} & set(heard.slots)) or heard.focus is not None
        if bill is not None and named:
            rows = [r for r in new_rows(heard, "events") if r[1] == bill.invoice_id]
            _need(problems, bool(rows), f"record it on {bill.number}'s timeline")
        return problems

    return recorded


PIN = "4321"


@dataclass(frozen=True)
class Family:
    intents: tuple[str, ...]
    check: Callable[[Heard], Problems]
    before: str | None = None  # the default context preset
    after_yes: bool = False  # say "yes" after the phrase (start over: the pending question must be gone)


FAMILIES: dict[str, Family] = {
    "list": Family(("ListBillsIntent",), check_list),
    "details": Family(("BillDetailsIntent",), check_details),
    "pay": Family(("PayBillIntent",), check_pay),
    "link": Family(("SendLinkIntent",), check_link),
    "payment_status": Family(("PaymentStatusIntent",), check_payment_status, "paid:electricity"),
    "history": Family(("PaymentHistoryIntent",), check_history, "paid:electricity"),
    "pin": Family(("VoicePinIntent",), check_pin, "pin"),
    "yes": Family(("AMAZON.YesIntent",), check_yes, "confirm:electricity"),
    "no": Family(("AMAZON.NoIntent",), check_no, "confirm:water"),
    "help": Family(("AMAZON.HelpIntent",), check_help),
    "stop": Family(("AMAZON.StopIntent", "AMAZON.CancelIntent"), check_stop),
    "more": Family(("AMAZON.MoreIntent",), check_more, "paged"),
    "repeat": Family(("AMAZON.RepeatIntent",), check_repeat, "listed"),
    "start_over": Family(("AMAZON.StartOverIntent",), check_start_over, "confirm:water", after_yes=True),
    "total": Family(("TotalOwedIntent",), check_total),
    "next_due": Family(("NextDueIntent",), check_next_due),
    "left": Family(("AmountLeftIntent",), check_left),
    "latest_invoice": Family(("LatestInvoiceIntent",), check_latest_invoice),
    "reminder": Family(("ReminderIntent",), _about_bill(_overdue, lambda bill: bill.left)),
    "overpaid": Family(("OverpaidIntent",), check_overpaid),
    "underpaid": Family(("UnderpaidIntent",), _about_bill(_part_paid, lambda bill: bill.left)),
    "why_higher": Family(("WhyHigherIntent",), check_why_higher),
    "contact": Family(("ContactIntent",), check_contact),
    "dispute": Family(("DisputeIntent",), _recorded(_about_bill(None, lambda bill: None))),
    "payment_plan": Family(("PaymentPlanIntent",), _recorded(_about_bill(None, lambda bill: None))),
}
