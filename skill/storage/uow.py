"""Unit of work: one transaction, its repositories, and an explicit commit."""

from __future__ import annotations

from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from . import auth_repositories as auth_repos
from . import repositories as repos
from .errors import duplicate_keys_raised

if TYPE_CHECKING:
    from . import api_repositories as api_repos
    from .outbox_repository import OutboxRepository


_LAZY = ("outbox", "api_keys", "rate_windows", "idempotency", "webhooks", "biller_invoices")


class UnitOfWork:
    """Use as `with uow:`; nothing is written unless `commit()` is called before the block ends."""

    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.billers = repos.BillerRepository(self.session)
        self.customers = repos.CustomerRepository(self.session)
        self.invoices = repos.InvoiceRepository(self.session)
        self.events = repos.EventRepository(self.session)
        self.attempts = repos.AttemptRepository(self.session)
        self.methods = repos.PaymentMethodRepository(self.session)
        self.links = repos.LinkRepository(self.session)
        self.processed = repos.ProcessedEventRepository(self.session)
        for lazy in _LAZY:  # a new session: the next access builds them on it
            self.__dict__.pop(lazy, None)
        self.oauth_clients = auth_repos.OAuthClientRepository(self.session)
        self.auth_codes = auth_repos.AuthorizationCodeRepository(self.session)
        self.linked_tokens = auth_repos.LinkedTokenRepository(self.session)
        self.login_challenges = auth_repos.LoginChallengeRepository(self.session)
        self.login_rates = auth_repos.LoginRateRepository(self.session)
        return self

    # The outbox's and the biller API's repositories are built on first use: a voice turn that never touches
    # them does not import their modules (the Alexa cold start, docs/architecture.md).
    @cached_property
    def outbox(self) -> OutboxRepository:
        from .outbox_repository import OutboxRepository

        return OutboxRepository(self.session)

    @cached_property
    def api_keys(self) -> api_repos.ApiKeyRepository:
        from . import api_repositories

        return api_repositories.ApiKeyRepository(self.session)

    @cached_property
    def rate_windows(self) -> api_repos.RateWindowRepository:
        from . import api_repositories

        return api_repositories.RateWindowRepository(self.session)

    @cached_property
    def idempotency(self) -> api_repos.IdempotencyRepository:
        from . import api_repositories

        return api_repositories.IdempotencyRepository(self.session)

    @cached_property
    def webhooks(self) -> api_repos.WebhookEndpointRepository:
        from . import api_repositories

        return api_repositories.WebhookEndpointRepository(self.session)

    @cached_property
    def biller_invoices(self) -> api_repos.BillerInvoiceRepository:
        from . import api_repositories

        return api_repositories.BillerInvoiceRepository(self.session)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        """Raises DuplicateKey when another transaction wrote the same unique key first."""
        with duplicate_keys_raised():
            self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        """Raises DuplicateKey when another transaction wrote the same unique key first."""
        with duplicate_keys_raised():
            self.session.flush()

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (raises if the database is unreachable)."""
        from alembic.runtime.migration import MigrationContext

        return MigrationContext.configure(self.session.connection()).get_current_revision()
