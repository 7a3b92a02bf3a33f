"""Conversation state kept in session attributes, so any replica (Lambda or web) can take the next turn.

Everything here is small and bounded: the attributes travel in every response (24 KB limit).
"""

from __future__ import annotations

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


@dataclass
class Pending:
    """The one question the skill just asked. A "yes" answers only this."""

    question: str  # hear_or_pay | confirm_payment | pin | offer_link | which_bill
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Conversation:
    heard: list[int] = field(default_factory=list)  # invoice ids in the order the customer heard them
    focus: int | None = None  # the bill last talked about ("pay it")
    listing: Listing | None = None
    pending: Pending | None = None

    @classmethod
    def load(cls, attributes: dict[str, Any]) -> Conversation:
        """Read the state back; anything malformed (a forged or stale session) starts a fresh conversation."""
        try:
            return cls._load(attributes.get("conv") or {})
        except (TypeError, ValueError, KeyError, AttributeError):
            return cls()

    @classmethod
    def _load(cls, raw: dict[str, Any]) -> Conversation:
        listing = raw.get("listing")
        pending = raw.get("pending")
        return cls(
            heard=[int(i) for i in raw.get("heard", [])][:MAX_HEARD],
            focus=int(raw["focus"]) if raw.get("focus") is not None else None,
            listing=Listing(**listing) if isinstance(listing, dict) else None,
            pending=Pending(**pending) if isinstance(pending, dict) else None,
        )

    def save(self, attributes: dict[str, Any]) -> None:
        attributes["conv"] = {
            "heard": self.heard[:MAX_HEARD],
            "focus": self.focus,
            "listing": asdict(self.listing) if self.listing else None,
            "pending": asdict(self.pending) if self.pending else None,
        }

    def ask(self, question: str, **data: Any) -> None:
        self.pending = Pending(question, dict(data))

    def take(self, question: str) -> Pending | None:
        """The pending question if it is `question`; it is consumed either way."""
        pending, self.pending = self.pending, None
        return pending if pending is not None and pending.question == question else None

    def hear(self, invoice_ids: list[int], *, reset: bool) -> None:
        self.heard = (list(invoice_ids) if reset else [*self.heard, *invoice_ids])[:MAX_HEARD]
        if invoice_ids:
            self.focus = invoice_ids[0] if len(invoice_ids) == 1 else self.focus
