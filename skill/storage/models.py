"""The invoice store's tables, as typed SQLAlchemy 2.0 declarative models."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..domain.branding import Brand
from ..domain.model import (
    BillType,
    Channel,
    InvoiceStatus,
    MandateStatus,
    MethodKind,
    PaymentStatus,
)
from .types import CurrencyCode, MinorUnits, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # VARCHAR + CHECK on every backend, so SQLite and PostgreSQL share one schema and one migration.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Biller(Base):
    __tablename__ = "billers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    spoken_name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    country: Mapped[str] = mapped_column(String(2))
    default_currency: Mapped[str] = mapped_column(CurrencyCode())
    partial_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    partial_min_minor: Mapped[int] = mapped_column(MinorUnits(), default=0)
    pin_threshold_minor: Mapped[int] = mapped_column(MinorUnits(), default=10000)
    # Branding the biller sets through the API (skill/domain/branding.py checks both); NULL: the product's look.
    logo_url: Mapped[str | None] = mapped_column(String(500))
    brand_colour: Mapped[str | None] = mapped_column(String(7))  # #rrggbb
    # The route to a person (skill/domain/contact.py checks them): E.164 phone, email, web page, opening hours as
    # [{"days": ["mon", ...], "opens": "08:00", "closes": "18:00"}]. NULL: not configured.
    contact_phone: Mapped[str | None] = mapped_column(String(16))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_url: Mapped[str | None] = mapped_column(String(500))
    contact_hours: Mapped[list[Any] | None] = mapped_column(JSON)
    # The dunning steps as day offsets from the due date (skill/domain/reminders.py); NULL: the default plan.
    reminder_plan: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]

    def brand(self) -> Brand:
        return Brand(self.name, self.logo_url, self.brand_colour)


class Customer(Base):
    """A person: who signs in on the web, links Alexa and holds stored payment methods (docs/adr/0003).

    `email` and `mobile` are only channels this person has proven (a one-time code sent there was entered, or an
    operator enrolled them); what a biller supplies lives on that biller's CustomerAccount. A person with neither
    is the unproven holder of exactly one biller record, until somebody proves one of that record's channels.
    """

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(16), unique=True)
    locale: Mapped[str] = mapped_column(String(5), default="en-US")
    voice_pin_hash: Mapped[str | None] = mapped_column(String(255))
    voice_pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    voice_pin_locked_at: Mapped[datetime | None]
    # Step-up choices made on the account page (skill/services/identity/account.py), and an optional web password.
    always_ask_pin: Mapped[bool] = mapped_column(Boolean, default=False)
    require_recognized_speaker: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The customer at the payment provider (Stripe), created on first need; stored methods hang off it.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime]

    accounts: Mapped[list[CustomerAccount]] = relationship(back_populates="customer")


class CustomerAccount(Base):
    """A biller's own customer record: its account number and the contact details that biller supplied.

    `customer_id` is the person behind it: the record's own unproven holder until `claimed_at`, when a person proved
    control of one of this record's channels (docs/adr/0003). No other biller ever reads or changes these fields.
    """

    __tablename__ = "customer_accounts"
    # One person may hold several records at one biller (two homes with one utility), so no (customer, biller) key.
    __table_args__ = (UniqueConstraint("biller_id", "account_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    biller_id: Mapped[int] = mapped_column(ForeignKey("billers.id"))
    account_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    mobile: Mapped[str | None] = mapped_column(String(16), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="en-US")
    claimed_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(back_populates="accounts")
    biller: Mapped[Biller] = relationship()


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("biller_id", "number"),
        CheckConstraint("amount_due_minor > 0", name="amount_due_positive"),
        CheckConstraint("amount_paid_minor >= 0", name="amount_paid_nonnegative"),
        CheckConstraint("amount_paid_minor <= amount_due_minor", name="paid_within_due"),
        CheckConstraint("refund_due_minor >= 0", name="refund_due_nonnegative"),
        Index("ix_invoices_account_status_due", "account_id", "status", "due_date"),
        # The biller API's list, a page in id order per filter (api_repositories.BillerInvoiceRepository.page);
        # the status is included in the due-date index so that a status and a due range scan the index only.
        Index("ix_invoices_biller_id", "biller_id", "id"),
        Index("ix_invoices_biller_status_id", "biller_id", "status", "id"),
        Index("ix_invoices_biller_due_id", "biller_id", "due_date", "id", postgresql_include=["status"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    biller_id: Mapped[int] = mapped_column(ForeignKey("billers.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("customer_accounts.id"))
    number: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    bill_type: Mapped[BillType] = mapped_column(_enum(BillType, "bill_type"))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(CurrencyCode())
    amount_due_minor: Mapped[int] = mapped_column(MinorUnits())
    amount_paid_minor: Mapped[int] = mapped_column(MinorUnits(), default=0)
    refund_due_minor: Mapped[int] = mapped_column(MinorUnits(), default=0)
    status: Mapped[InvoiceStatus] = mapped_column(
        _enum(InvoiceStatus, "invoice_status"), default=InvoiceStatus.OPEN
    )
    line_items: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    biller: Mapped[Biller] = relationship()
    account: Mapped[CustomerAccount] = relationship()


class PaymentMethod(Base):
    """A stored mandate: a card on file or a SEPA Direct Debit mandate, held by the provider."""

    __tablename__ = "payment_methods"
    __table_args__ = (UniqueConstraint("provider", "provider_method_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    provider: Mapped[str] = mapped_column(String(32), default="stripe")
    provider_customer_id: Mapped[str] = mapped_column(String(255))
    provider_method_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[MethodKind] = mapped_column(_enum(MethodKind, "method_kind"))
    brand: Mapped[str | None] = mapped_column(String(32))
    last4: Mapped[str] = mapped_column(String(4))
    label: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    mandate_status: Mapped[MandateStatus] = mapped_column(
        _enum(MandateStatus, "mandate_status"), default=MandateStatus.ACTIVE
    )
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class PaymentAttempt(Base):
    __tablename__ = "payment_attempts"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index("ix_payment_attempts_invoice_status", "invoice_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    amount_minor: Mapped[int] = mapped_column(MinorUnits())
    currency: Mapped[str] = mapped_column(CurrencyCode())
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    method: Mapped[str] = mapped_column(String(32))
    payment_method_id: Mapped[int | None] = mapped_column(ForeignKey("payment_methods.id"))
    # The card the link page charged (brand and last four only), for its receipt; stored methods have their own.
    method_brand: Mapped[str | None] = mapped_column(String(32))
    method_last4: Mapped[str | None] = mapped_column(String(4))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("payment_links.id"), index=True)
    status: Mapped[PaymentStatus] = mapped_column(
        _enum(PaymentStatus, "payment_status"), default=PaymentStatus.PENDING
    )
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    provider_reference: Mapped[str | None] = mapped_column(String(255), unique=True)
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    # Set once, under the invoice row lock, when the money was applied to the invoice.
    applied_at: Mapped[datetime | None]
    refunded_minor: Mapped[int] = mapped_column(MinorUnits(), default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    invoice: Mapped[Invoice] = relationship()
    payment_method: Mapped[PaymentMethod | None] = relationship()


class PaymentLink(Base):
    """A payment request's link. Only the SHA-256 of its 256-bit token is stored."""

    __tablename__ = "payment_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(MinorUnits())
    currency: Mapped[str] = mapped_column(CurrencyCode())
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]

    invoice: Mapped[Invoice] = relationship()


# The outbox's partial indexes. storage/outbox_repository.py's queries use these same predicates, so that the
# planner can prove them and use the indexes.
OUTBOX_DUE = "status IN ('pending', 'sending')"
OUTBOX_UNPURGED = "status IN ('sent', 'dead') AND recipient <> '[purged]'"


class OutboxMessage(Base):
    """Transactional outbox: written in the same transaction as what it announces."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        # The delivery worker's claim, in due order, and retention's sweep.
        Index(
            "ix_outbox_due",
            "next_attempt_at",
            "id",
            postgresql_where=text(OUTBOX_DUE),
            sqlite_where=text(OUTBOX_DUE),
        ),
        Index(
            "ix_outbox_unpurged",
            "created_at",
            postgresql_where=text(OUTBOX_UNPURGED),
            sqlite_where=text(OUTBOX_UNPURGED),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(5))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # The delivery worker's lease (skill/notifications/worker.py) and the provider's message id once sent.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    provider_ref: Mapped[str | None] = mapped_column(String(64))


class LinkedAccountToken(Base):
    """Account-linking tokens (access and refresh). Only a SHA-256 of each token is stored."""

    __tablename__ = "linked_account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="access")
    client_id: Mapped[str] = mapped_column(String(128))
    # One account link (an authorization code and every token rotated from it); None for tokens from the CLI.
    family_id: Mapped[str | None] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(200), default="")
    label: Mapped[str] = mapped_column(String(200), default="")
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Provider event ids already handled, so a redelivered webhook is a no-op."""

    __tablename__ = "processed_events"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(100))
    processed_at: Mapped[datetime]


class InvoiceEvent(Base):
    """One entry on an invoice's timeline."""

    __tablename__ = "invoice_events"
    __table_args__ = (Index("ix_invoice_events_invoice_at", "invoice_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    channel: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ApiKey(Base):
    """A biller's API key. Only the SHA-256 of the whole key is stored; `key_id` is its visible prefix."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    biller_id: Mapped[int] = mapped_column(ForeignKey("billers.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ApiRateWindow(Base):
    """Requests made with one API key in one fixed window: shared by every web worker through the database."""

    __tablename__ = "api_rate_windows"

    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ApiIdempotencyKey(Base):
    """An Idempotency-Key a biller sent with a POST, the request it named and the response it got."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (UniqueConstraint("biller_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    biller_id: Mapped[int] = mapped_column(ForeignKey("billers.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)  # None while the first request runs
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebhookEndpoint(Base):
    """A biller's webhook receiver. The signing secret is kept as issued: signing needs the raw value."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    biller_id: Mapped[int] = mapped_column(ForeignKey("billers.id"), index=True)
    url: Mapped[str] = mapped_column(String(320))
    secret: Mapped[str] = mapped_column(String(64))
    events: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class OAuthClient(Base):
    """An OAuth 2.0 client (the Alexa skill's account linking). Only the SHA-256 of its secret is stored."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[Any]] = mapped_column(default=list)
    scope: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class OAuthAuthorizationCode(Base):
    """An authorization code: hashed, short-lived, bound to client, redirect URI and PKCE challenge; used once."""

    __tablename__ = "oauth_authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(200), default="")
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(16))
    family_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class LoginChallenge(Base):
    """A web sign-in in progress: a one-time code sent through the outbox, stored keyed-hashed.

    A challenge exists for unknown identifiers too (customer_id None), so both paths look and take the same.
    """

    __tablename__ = "login_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    subject_hash: Mapped[str] = mapped_column(String(64))  # the identifier typed, for its rate window
    channel: Mapped[str] = mapped_column(String(16))
    # Where the code was sent: entering it proves this address (docs/adr/0003). Kept a day at most.
    address: Mapped[str | None] = mapped_column(String(320))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class LoginRateWindow(Base):
    """Sign-in attempts per account or per client address (both hashed) in one fixed window, for every worker."""

    __tablename__ = "login_rate_windows"

    subject_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
