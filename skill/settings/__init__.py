"""Settings read from the environment once, validated with clear errors. Nothing runs at import."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from .auth import AuthSettings
from .notifications import NotifySettings
from .parse import ConfigError, boolean, integer, url

__all__ = ["ALEXA_LOCALES", "SUPPORTED_LOCALES", "AuthSettings", "ConfigError", "NotifySettings", "Settings"]

SUPPORTED_LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL", "sv-SE")
ALEXA_LOCALES = ("en-US", "en-GB", "de-DE", "nl-NL")


DEMO_TOKEN_FILE = "demo-linking-token"  # noqa: S105 (a file name): the demo customer's raw linking token


def var_dir(env: Mapping[str, str]) -> Path:
    """BILLPAY_VAR_DIR (default ./var): the demo's and the default SQLite database's files."""
    return Path(env.get("BILLPAY_VAR_DIR", "var")).resolve()


def on_lambda(env: Mapping[str, str]) -> bool:
    """AWS Lambda sets AWS_LAMBDA_FUNCTION_NAME in every function's environment."""
    return bool(env.get("AWS_LAMBDA_FUNCTION_NAME"))


def _database_url(env: Mapping[str, str]) -> str:
    raw = env.get("DATABASE_URL", "").strip()
    if on_lambda(env) and not raw.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        # Lambda's file system is read-only but for /tmp, which each container has to itself: a SQLite file
        # there is a different, empty database per container. Refuse at cold start instead of on every turn.
        raise ConfigError(
            "DATABASE_URL must be a PostgreSQL URL on AWS Lambda (set it in the function's secret, "
            "docs/deploy.md); "
            + ("it is not set" if not raw else f"got a URL with scheme {raw.split(':', 1)[0]!r}")
        )
    if not raw:
        path = var_dir(env) / "billpay.sqlite3"
        return f"sqlite:///{path}"
    if raw.startswith(("postgres://", "postgresql://")):
        # Heroku-style and bare URLs get the psycopg 3 driver we ship.
        raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
    if not raw.startswith(("sqlite:///", "postgresql+psycopg://")):
        raise ConfigError(
            "DATABASE_URL must be sqlite:///path or postgresql://user@host/db, "
            f"got a URL with scheme {raw.split(':', 1)[0]!r}"
        )
    rest = raw.split("://", 1)[1]
    if raw.startswith("sqlite") and rest.strip("/") in ("", ":memory:"):
        # An in-memory database would "migrate" and then forget everything: refuse it here.
        raise ConfigError("DATABASE_URL must name a SQLite file, like sqlite:///var/billpay.sqlite3")
    parsed = urlparse(raw)
    if raw.startswith("postgresql") and not parsed.hostname and not parsed.path.strip("/"):
        # postgresql:///billpay (a local socket) is fine; a bare scheme is a mistake.
        raise ConfigError(
            "DATABASE_URL must name a PostgreSQL database, like postgresql://user@db.example/billpay"
        )
    return raw


def _pepper(env: Mapping[str, str]) -> str:
    raw = env.get("PIN_PEPPER", "")
    if raw and len(raw.encode()) < 32:
        raise ConfigError(
            "PIN_PEPPER must be at least 32 bytes (generate one with: "
            "python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    return raw


def _method_types(env: Mapping[str, str]) -> tuple[str, ...]:
    """The methods the Stripe account has on; domain/payment_methods.py narrows them per bill.

    Unset: card, SEPA Direct Debit and iDEAL, except against localstripe (STRIPE_API_BASE, the demo), whose
    Stripe.js shim has no confirmSepaDebitPayment or confirmIdealPayment: card only there.
    """
    default = "card" if env.get("STRIPE_API_BASE") else "card,sepa_debit,ideal"
    raw = env.get("STRIPE_PAYMENT_METHOD_TYPES") or default
    types = tuple(t.strip() for t in raw.split(",") if t.strip())
    if not types or not all(t.replace("_", "").isalpha() and t.islower() for t in types):
        raise ConfigError(
            f"STRIPE_PAYMENT_METHOD_TYPES must be a comma list like card,sepa_debit,ideal, got {raw!r}"
        )
    return types


@dataclass(frozen=True)
class Settings:
    database_url: str
    db_pool_size: int = 5  # DB_POOL_SIZE: PostgreSQL connections kept per process (1 on Lambda)
    db_max_overflow: int = 5  # DB_MAX_OVERFLOW: extra connections under a burst (1 on Lambda)
    public_base_url: str = "http://127.0.0.1:8000"
    var_dir: Path = field(default_factory=lambda: Path("var").resolve())  # BILLPAY_VAR_DIR
    secret_key: str = field(default="", repr=False)
    pin_pepper: str = field(default="", repr=False)  # PIN_PEPPER; see voice_pin_pepper
    default_locale: str = "en-US"
    alexa_skill_id: str | None = None
    alexa_verify_requests: bool = True
    alexa_cert_fetch_timeout_seconds: int = 3
    stripe_api_key: str | None = field(default=None, repr=False)
    stripe_webhook_secret: str | None = field(default=None, repr=False)
    stripe_api_base: str | None = None
    stripe_publishable_key: str | None = None
    stripe_payment_method_types: tuple[str, ...] = ("card",)  # enabled on the account; narrowed per bill
    link_ttl_hours: int = 72
    token_ttl_days: int = 90
    demo_mode: bool = False
    trusted_proxy_hops: int = 0  # TLS proxies in front of the web service whose X-Forwarded-* we believe
    api_rate_limit_per_minute: int = 600  # per biller API key, fixed one-minute windows
    webhooks_allow_insecure: bool = (
        False  # http:// and loopback/private webhook URLs (local development only)
    )
    notify: NotifySettings = field(default_factory=NotifySettings)  # NOTIFY_*, TWILIO_*, SMTP_*, MAILBOX_DIR
    auth: AuthSettings = field(default_factory=lambda: AuthSettings.from_env({}))  # OAUTH_*, LOGIN_*

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        locale = env.get("BILLPAY_DEFAULT_LOCALE", "en-US")
        if locale not in SUPPORTED_LOCALES:
            raise ConfigError(f"BILLPAY_DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}")
        stripe_base = env.get("STRIPE_API_BASE") or None
        if stripe_base:
            stripe_base = url(env, "STRIPE_API_BASE", stripe_base, ("http", "https"))
        skill_id = env.get("ALEXA_SKILL_ID") or None
        if skill_id and not skill_id.startswith("amzn1.ask.skill."):
            raise ConfigError("ALEXA_SKILL_ID must look like amzn1.ask.skill.<uuid>")
        return cls(
            database_url=_database_url(env),
            var_dir=var_dir(env),
            # Each Lambda container is its own process with its own pool: keep it small (docs/deploy.md).
            db_pool_size=integer(env, "DB_POOL_SIZE", 1 if on_lambda(env) else 5, minimum=1),
            db_max_overflow=integer(env, "DB_MAX_OVERFLOW", 1 if on_lambda(env) else 5, minimum=0),
            public_base_url=url(env, "PUBLIC_BASE_URL", "http://127.0.0.1:8000", ("http", "https")),
            secret_key=env.get("SECRET_KEY", ""),
            pin_pepper=_pepper(env),
            default_locale=locale,
            alexa_skill_id=skill_id,
            alexa_verify_requests=boolean(env, "ALEXA_VERIFY_REQUESTS", True),
            alexa_cert_fetch_timeout_seconds=integer(env, "ALEXA_CERT_FETCH_TIMEOUT_SECONDS", 3),
            stripe_api_key=env.get("STRIPE_API_KEY") or None,
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
            stripe_api_base=stripe_base,
            stripe_publishable_key=env.get("STRIPE_PUBLISHABLE_KEY") or None,
            stripe_payment_method_types=_method_types(env),
            link_ttl_hours=integer(env, "PAYMENT_LINK_TTL_HOURS", 72),
            token_ttl_days=integer(env, "ACCESS_TOKEN_TTL_DAYS", 90),
            demo_mode=boolean(env, "BILLPAY_DEMO", False),
            trusted_proxy_hops=integer(env, "TRUSTED_PROXY_HOPS", 0, minimum=0),
            api_rate_limit_per_minute=integer(env, "API_RATE_LIMIT_PER_MINUTE", 600),
            webhooks_allow_insecure=boolean(env, "WEBHOOKS_ALLOW_INSECURE_URLS", False),
            notify=NotifySettings.from_env(env),
            auth=AuthSettings.from_env(env),
        )

    @property
    def demo_token_path(self) -> Path:
        """Where `billpay demo run` keeps the demo customer's linking token (0600), read by the start page."""
        return self.var_dir / DEMO_TOKEN_FILE

    @property
    def voice_pin_pepper(self) -> bytes:
        """The voice-PIN hashing key: PIN_PEPPER, else derived from SECRET_KEY (domain-separated). Never stored."""
        if self.pin_pepper:
            return self.pin_pepper.encode()
        if not self.secret_key:
            raise ConfigError("PIN_PEPPER or SECRET_KEY must be set to hash voice PINs")
        return hmac.new(self.secret_key.encode(), b"billpay voice-pin pepper v1", hashlib.sha256).digest()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        return Path(self.database_url.removeprefix("sqlite:///")) if self.is_sqlite else None
