"""Identity bound once: account linking, sign-in, OAuth grants, PINs and the account page for the channels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

# On the voice path already: every turn resolves its token. The rest loads on first use.
from . import link_tokens

if TYPE_CHECKING:
    from ...domain.clock import Clock
    from ...settings import Settings
    from ...storage.read_models.connection import ReadConnections
    from ...storage.uow import UnitOfWork
    from . import account
    from .account import AccountView
    from .oauth_clients import ClientView, CreatedClient
    from .oauth_grants import CodeView, NewTokens, RefreshView, TokenRef
    from .sign_in import LoginStarted
    from .voice_pin import PinCheck


class Identity:
    """Who the caller is and what they may change; the modules behind the web pages load on first use."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        clock: Clock,
        settings: Settings,
        *,
        reads: ReadConnections | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._settings = settings
        self._reads = reads  # the voice read model: every turn resolves its token there, without the ORM

    # Account linking and the voice PIN
    def resolve_access_token(self, token: str | None) -> link_tokens.LinkedCustomer | None:
        if self._reads is not None:
            return link_tokens.resolve_access_token_read(self._reads, token, self._clock)
        return link_tokens.resolve_access_token(self._uow(), token, self._clock)

    def issue_token(self, email: str, *, ttl: timedelta, label: str = "") -> str:
        return link_tokens.issue_token(self._uow(), email, self._clock, ttl=ttl, label=label)

    def verify_voice_pin(
        self, customer_id: int, pin: str | None, *, invoice_id: int | None = None
    ) -> PinCheck:
        from . import voice_pin

        pepper = self._settings.voice_pin_pepper
        return voice_pin.verify_voice_pin(
            self._uow(), customer_id, pin, self._clock, pepper=pepper, invoice_id=invoice_id
        )

    def set_voice_pin(self, customer_id: int, pin: str) -> None:
        from . import voice_pin

        pepper = self._settings.voice_pin_pepper
        voice_pin.set_voice_pin(self._uow(), customer_id, pin, self._clock, pepper=pepper)

    # The account page
    def account_overview(self, customer_id: int) -> AccountView:
        from . import account

        return account.account_overview(self._uow(), customer_id, self._clock)

    def unlink_device(self, customer_id: int, key: str) -> bool:
        from . import account

        return account.unlink_device(self._uow(), customer_id, key, self._clock, self._notices())

    def record_change(self, customer_id: int, change: str) -> None:
        from . import account

        account.record_change(self._uow(), customer_id, change, self._clock, self._notices())

    def set_voice_preferences(
        self, customer_id: int, *, always_ask_pin: bool, require_recognized_speaker: bool
    ) -> None:
        from . import account

        account.set_voice_preferences(
            self._uow(),
            customer_id,
            self._clock,
            self._notices(),
            always_ask_pin=always_ask_pin,
            require_recognized_speaker=require_recognized_speaker,
        )

    def set_password(self, customer_id: int, password: str, confirm: str) -> None:
        from . import account

        account.set_password(self._uow(), customer_id, password, confirm, self._clock, self._notices())

    def customer_locale(self, customer_id: int) -> str | None:
        from . import account

        return account.customer_locale(self._uow(), customer_id)

    def secure_account(self, customer_id: int) -> None:
        from .account_security import secure_account

        secure_account(self._uow(), customer_id, self._clock)

    def secure_token_customer(self, token: str) -> int:
        """The customer a "this wasn't me" link is for (signed with the secret key, checked on our clock)."""
        from .account_security import secure_token_customer

        return secure_token_customer(self._settings.secret_key, token, now=self._clock.now())

    def _notices(self) -> account.Notices:
        from . import account

        settings = self._settings
        return account.Notices(settings.public_base_url, settings.secret_key, settings.notify.brand_name)

    # Sign-in
    def password_login(self, *, identifier: str, password: str, ip: str) -> int:
        from .sign_in import password_login

        return password_login(
            self._uow(), self._clock, self._settings, identifier=identifier, password=password, ip=ip
        )

    def start_code_login(self, *, identifier: str, channel: str, ip: str, locale: str) -> LoginStarted:
        from .sign_in import start_code_login

        return start_code_login(
            self._uow(),
            self._clock,
            self._settings,
            identifier=identifier,
            channel=channel,
            ip=ip,
            locale=locale,
        )

    def verify_code(self, *, challenge_token: str | None, code: str, ip: str) -> int:
        from .sign_in import verify_code

        return verify_code(
            self._uow(), self._clock, self._settings, challenge_token=challenge_token, code=code, ip=ip
        )

    # The OAuth server's storage (Authlib decides the protocol)
    def find_client(self, client_id: str | None) -> ClientView | None:
        from .oauth_clients import find_client

        return find_client(self._uow(), client_id)

    def create_client(self, *, vendor_id: str, name: str = "Alexa", scope: str = "bills") -> CreatedClient:
        from .oauth_clients import create_client

        return create_client(self._uow(), self._clock, vendor_id=vendor_id, name=name, scope=scope)

    def save_authorization_code(
        self,
        *,
        code: str,
        client_id: str,
        customer_id: int,
        redirect_uri: str,
        scope: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> None:
        """Store a code (hashed) for the consent just given; it lives as long as the auth settings say."""
        from .oauth_grants import save_authorization_code

        save_authorization_code(
            self._uow(),
            self._clock,
            code=code,
            client_id=client_id,
            customer_id=customer_id,
            redirect_uri=redirect_uri,
            scope=scope,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            ttl=timedelta(seconds=self._settings.auth.code_ttl_seconds),
        )

    def find_code(self, code: str | None, client_id: str) -> CodeView | None:
        from .oauth_grants import find_code

        return find_code(self._uow(), self._clock, code, client_id)

    def find_refresh_token(self, token: str | None) -> RefreshView | None:
        from .oauth_grants import find_refresh_token

        return find_refresh_token(self._uow(), self._clock, token)

    def find_token(self, token: str | None) -> TokenRef | None:
        from .oauth_grants import find_token

        return find_token(self._uow(), token)

    def revoke_link(self, ref: TokenRef) -> None:
        from .oauth_grants import revoke_link

        revoke_link(self._uow(), self._clock, ref)

    def exchange_code(self, code: CodeView, tokens: NewTokens) -> None:
        from .oauth_grants import exchange_code

        exchange_code(self._uow(), self._clock, code, tokens)

    def rotate_refresh_token(self, old: RefreshView, tokens: NewTokens) -> None:
        from .oauth_grants import rotate_refresh_token

        rotate_refresh_token(self._uow(), self._clock, old, tokens)
