"""Unit of work: one transaction, its repositories, and an explicit commit."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from . import api_repositories as api_repos
from . import auth_repositories as auth_repos
from . import repositories as repos
from .errors import duplicate_keys_raised
from .outbox_repository import OutboxRepository


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
        self.outbox = OutboxRepository(self.session)
        self.processed = repos.ProcessedEventRepository(self.session)
        self.api_keys = api_repos.ApiKeyRepository(self.session)
        self.rate_windows = api_repos.RateWindowRepository(self.session)
        self.idempotency = api_repos.IdempotencyRepository(self.session)
        self.webhooks = api_repos.WebhookEndpointRepository(self.session)
        self.biller_invoices = api_repos.BillerInvoiceRepository(self.session)
        self.oauth_clients = auth_repos.OAuthClientRepository(self.session)
        self.auth_codes = auth_repos.AuthorizationCodeRepository(self.session)
        self.linked_tokens = auth_repos.LinkedTokenRepository(self.session)
        self.login_challenges = auth_repos.LoginChallengeRepository(self.session)
        self.login_rates = auth_repos.LoginRateRepository(self.session)
        return self

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
