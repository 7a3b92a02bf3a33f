"""Delivery settings (worker timing, Twilio, SMTP, demo mailbox), read once from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .parse import ConfigError, boolean, integer, seconds, url

BACKENDS = ("auto", "mailbox", "live")


def _brand_name(env: Mapping[str, str]) -> str | None:
    """Unset: the only biller's name, or "billpay" (services/identity/brand_name.py, docs/operations.md)."""
    raw = env.get("BRAND_NAME", "").strip()
    if len(raw) > 40 or not raw.isprintable():
        raise ConfigError("BRAND_NAME must be at most 40 printable characters (it goes into one-SMS texts)")
    return raw or None


@dataclass(frozen=True)
class NotifySettings:
    """NOTIFY_BACKEND=auto sends through each provider that is configured and to the mailbox otherwise."""

    backend: str = "auto"
    mailbox_dir: Path = Path("var/mailbox")
    max_attempts: int = 8
    backoff_base_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 120.0
    send_timeout_seconds: float = 15.0
    poll_seconds: float = 2.0
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_from: str | None = None
    twilio_api_base: str = "https://api.twilio.com"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    smtp_starttls: bool = True
    retention_days: int = 30  # OUTBOX_RETENTION_DAYS: then sent and dead messages lose recipient and payload
    ready_max_lag_seconds: float = 300.0  # OUTBOX_READY_MAX_LAG_SECONDS: /readyz fails past this outbox lag
    brand_name: str | None = None  # BRAND_NAME: how sign-in codes and account notices name the deployment

    @property
    def twilio_configured(self) -> bool:
        return self.twilio_account_sid is not None

    @property
    def smtp_configured(self) -> bool:
        return self.smtp_host is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifySettings:
        backend = env.get("NOTIFY_BACKEND") or "auto"
        if backend not in BACKENDS:
            raise ConfigError(f"NOTIFY_BACKEND must be one of {', '.join(BACKENDS)}, got {backend!r}")
        var_dir = Path(env.get("BILLPAY_VAR_DIR", "var"))
        built = cls(
            backend=backend,
            mailbox_dir=Path(env.get("MAILBOX_DIR") or var_dir / "mailbox").resolve(),
            max_attempts=integer(env, "NOTIFY_MAX_ATTEMPTS", 8),
            backoff_base_seconds=seconds(env, "NOTIFY_BACKOFF_BASE_SECONDS", 30.0),
            backoff_max_seconds=seconds(env, "NOTIFY_BACKOFF_MAX_SECONDS", 3600.0),
            lease_seconds=seconds(env, "NOTIFY_LEASE_SECONDS", 120.0),
            send_timeout_seconds=seconds(env, "NOTIFY_SEND_TIMEOUT_SECONDS", 15.0),
            poll_seconds=seconds(env, "NOTIFY_POLL_SECONDS", 2.0),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_from=env.get("TWILIO_FROM") or None,
            twilio_api_base=url(env, "TWILIO_API_BASE", "https://api.twilio.com", ("http", "https")),
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=integer(env, "SMTP_PORT", 587),
            smtp_user=env.get("SMTP_USER") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_from=env.get("SMTP_FROM") or None,
            smtp_starttls=boolean(env, "SMTP_STARTTLS", True),
            retention_days=integer(env, "OUTBOX_RETENTION_DAYS", 30),
            ready_max_lag_seconds=seconds(env, "OUTBOX_READY_MAX_LAG_SECONDS", 300.0),
            brand_name=_brand_name(env),
        )
        built.validate()
        return built

    def validate(self) -> None:
        # A lease must outlive any provider call it covers, or a second worker could take over mid-call.
        if self.lease_seconds < 2 * self.send_timeout_seconds:
            raise ConfigError("NOTIFY_LEASE_SECONDS must be at least twice NOTIFY_SEND_TIMEOUT_SECONDS")
        if self.backoff_max_seconds < self.backoff_base_seconds:
            raise ConfigError("NOTIFY_BACKOFF_MAX_SECONDS must not be below NOTIFY_BACKOFF_BASE_SECONDS")
        twilio = {
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_FROM": self.twilio_from,
        }
        smtp = {"SMTP_HOST": self.smtp_host, "SMTP_FROM": self.smtp_from}
        for group in (twilio, smtp):
            missing = [name for name, value in group.items() if value is None]
            if missing and (self.backend == "live" or len(missing) < len(group)):
                raise ConfigError(f"{missing[0]} must be set (NOTIFY_BACKEND={self.backend})")
        if (self.smtp_user is None) != (self.smtp_password is None):
            raise ConfigError("SMTP_USER and SMTP_PASSWORD must be set together")
