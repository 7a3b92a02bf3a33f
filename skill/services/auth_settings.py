"""Account-linking and web sign-in settings (token lifetimes, one-time codes, rate limits), read once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..config import ConfigError, _int


@dataclass(frozen=True)
class AuthSettings:
    access_token_ttl_seconds: int = 3600
    refresh_token_ttl_days: int = 90
    code_ttl_seconds: int = 300  # authorization codes; RFC 6749 recommends at most 10 minutes
    login_code_ttl_minutes: int = 10
    login_code_max_tries: int = 5  # wrong one-time codes before that code is dead
    login_window_minutes: int = 15
    login_max_per_account: int = 10  # sign-in attempts per account (or identifier) per window
    login_max_per_ip: int = 50  # sign-in attempts per client address per window

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthSettings:
        built = cls(
            access_token_ttl_seconds=_int(env, "OAUTH_ACCESS_TOKEN_TTL_SECONDS", 3600, minimum=60),
            refresh_token_ttl_days=_int(env, "OAUTH_REFRESH_TOKEN_TTL_DAYS", 90),
            code_ttl_seconds=_int(env, "OAUTH_CODE_TTL_SECONDS", 300, minimum=30),
            login_code_ttl_minutes=_int(env, "LOGIN_CODE_TTL_MINUTES", 10),
            login_code_max_tries=_int(env, "LOGIN_CODE_MAX_TRIES", 5),
            login_window_minutes=_int(env, "LOGIN_WINDOW_MINUTES", 15),
            login_max_per_account=_int(env, "LOGIN_MAX_ATTEMPTS_PER_ACCOUNT", 10),
            login_max_per_ip=_int(env, "LOGIN_MAX_ATTEMPTS_PER_IP", 50),
        )
        if built.code_ttl_seconds > 600:
            raise ConfigError("OAUTH_CODE_TTL_SECONDS must be at most 600 (RFC 6749, section 4.1.2)")
        return built
