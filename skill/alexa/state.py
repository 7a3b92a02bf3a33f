"""Conversation state kept in session attributes, so any replica (Lambda or web) can take the next turn.

Everything here is small and bounded: the attributes travel in every response (24 KB limit).
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_HEARD = 30  # ordinals refer to at most this many bills the customer heard


@dataclass
class Listing:
    """The list being read three at a time: the filter that built it and how far we got."""

    bill_type: str | None = None
    biller: str | None = None
    status: str | None = None
    offset: int = 0


class Question(enum.StrEnum):
    """What the skill can ask and wait for an answer to. The flow that asks one registers its yes and no.

    The values are what the session attributes carry (a StrEnum, so sessions saved before it still open).
    """

    HEAR_OR_PAY = "hear_or_pay"  # launch: shall I read the bills?
    MORE = "more"  # a listing goes on: hear the next three?
    PAY_FOCUS = "pay_focus"  # one bill was read: pay it?
    WHICH_BILL = "which_bill"  # several bills match: which one? (answered by naming one, not by yes)
    CONFIRM_PAYMENT = "confirm_payment"  # the read-back of amount, biller and method before a charge
    PIN = "pin"  # the voice PIN before a charge (answered by the PIN, or no)
    OFFER_LINK = "offer_link"  # a stored method cannot be used: text a payment link instead?
    HEAR_TOTALLED = "hear_totalled"  # the total owed was said: hear the bills behind it?
    OFFER_HELP = "offer_help"  # two misunderstandings in a row: hear what the skill can do?


@dataclass
class Pending:
    """The one question the skill just asked. A "yes" answers only this."""

    question: Question
    data: dict[str, Any] = field(default_factory=dict)


# Without SECRET_KEY (development only) pending questions are sealed with a key of this process: a "yes"
# reaching another replica is then asked again, never charged on an unsigned question.
_PROCESS_KEY = secrets.token_bytes(32)


@dataclass(frozen=True)
class Seal:
    """Signs the pending question with the server's key, bound to the customer it was asked of.

    Session attributes come back from the client: on Lambda, or behind a leaked development switch, they can be
    edited. A pending question whose MAC does not match is no question at all (the customer is asked again).
    """

    key: bytes
    subject: str  # who was asked: the linked customer's id, or "" when nobody is linked

    @classmethod
    def for_customer(cls, secret_key: str, customer_id: int | None) -> Seal:
        base = secret_key.encode() if secret_key else _PROCESS_KEY
        key = hmac.new(base, b"billpay alexa pending question v1", hashlib.sha256).digest()
        return cls(key, "" if customer_id is None else str(customer_id))

    def mac(self, pending: dict[str, Any]) -> str:
        body = json.dumps(
            {"subject": self.subject, "pending": pending}, sort_keys=True, separators=(",", ":")
        )
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()

    def tag(self, purpose: str, body: dict[str, Any]) -> str:
        """A MAC over anything else kept in the session for this customer, apart from pending questions."""
        signed = {"purpose": purpose, "subject": self.subject, "body": body}
        return hmac.new(self.key, json.dumps(signed, sort_keys=True).encode(), hashlib.sha256).hexdigest()

    def opened(self, raw: Any) -> Pending | None:
        if not isinstance(raw, dict):
            return None
        unsigned = {k: v for k, v in raw.items() if k != "mac"}
        mac = raw.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, self.mac(unsigned)):
            return None
        try:
            question = Question(unsigned["question"])
        except ValueError:  # signed by a version that asked something this one does not know: nothing pending
            return None
        return Pending(**{**unsigned, "question": question})

    def sealed(self, pending: Pending) -> dict[str, Any]:
        # The question as its plain string: the sealed payload is the same bytes as before the enum.
        raw = {**asdict(pending), "question": str(pending.question)}
        return {**raw, "mac": self.mac(raw)}


@dataclass
class Conversation:
    heard: list[int] = field(default_factory=list)  # invoice ids in the order the customer heard them
    focus: int | None = None  # the bill last talked about ("pay it")
    listing: Listing | None = None
    pending: Pending | None = None

    @classmethod
    def load(cls, attributes: dict[str, Any], seal: Seal) -> Conversation:
        """Read the state back; anything malformed (a forged or stale session) starts a fresh conversation.

        A pending question is kept only if `seal` signed it for this customer.
        """
        try:
            return cls._load(attributes.get("conv") or {}, seal)
        except (TypeError, ValueError, KeyError, AttributeError):
            return cls()

    @classmethod
    def _load(cls, raw: dict[str, Any], seal: Seal) -> Conversation:
        listing = raw.get("listing")
        return cls(
            heard=[int(i) for i in raw.get("heard", [])][:MAX_HEARD],
            focus=int(raw["focus"]) if raw.get("focus") is not None else None,
            listing=Listing(**listing) if isinstance(listing, dict) else None,
            pending=seal.opened(raw.get("pending")),
        )

    def save(self, attributes: dict[str, Any], seal: Seal) -> None:
        attributes["conv"] = {
            "heard": self.heard[:MAX_HEARD],
            "focus": self.focus,
            "listing": asdict(self.listing) if self.listing else None,
            "pending": seal.sealed(self.pending) if self.pending else None,
        }

    def ask(self, question: Question, **data: Any) -> None:
        self.pending = Pending(question, dict(data))

    def take(self, question: Question) -> Pending | None:
        """The pending question if it is `question`; it is consumed either way."""
        pending, self.pending = self.pending, None
        return pending if pending is not None and pending.question == question else None

    def hear(self, invoice_ids: list[int], *, reset: bool) -> None:
        self.heard = (list(invoice_ids) if reset else [*self.heard, *invoice_ids])[:MAX_HEARD]
        if invoice_ids:
            self.focus = invoice_ids[0] if len(invoice_ids) == 1 else self.focus


MAX_SAID_CHARS = 3000  # longer answers are not kept for "say that again": the attributes travel each turn


@dataclass(frozen=True)
class Said:
    """The last answer the session heard, for "say that again": its speech, reprompt and elicited slot.

    Sealed like the pending question: edited attributes must not make the skill say anything in its voice.
    """

    speech: str
    reprompt: str | None = None
    elicit: tuple[str, str] | None = None  # (intent, slot) asked for with Dialog.ElicitSlot

    def save(self, attributes: dict[str, Any], seal: Seal) -> None:
        if len(self.speech) + len(self.reprompt or "") > MAX_SAID_CHARS:
            attributes.pop("said", None)
            return
        body = {"speech": self.speech, "reprompt": self.reprompt, "elicit": list(self.elicit or ()) or None}
        attributes["said"] = {**body, "mac": seal.tag("said", body)}

    @classmethod
    def load(cls, attributes: dict[str, Any], seal: Seal) -> Said | None:
        raw = attributes.get("said")
        if not isinstance(raw, dict):
            return None
        body = {k: raw.get(k) for k in ("speech", "reprompt", "elicit")}
        mac = raw.get("mac")
        if not isinstance(mac, str) or not hmac.compare_digest(mac, seal.tag("said", body)):
            return None
        speech, reprompt, elicit = body["speech"], body["reprompt"], body["elicit"]
        if not isinstance(speech, str) or not isinstance(reprompt, str | None):
            return None
        slot = tuple(elicit) if isinstance(elicit, list) and len(elicit) == 2 else None
        return cls(speech, reprompt, (str(slot[0]), str(slot[1])) if slot else None)
