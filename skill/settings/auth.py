"""Account-linking, web sign-in and pay-page settings (token lifetimes, one-time codes, rate limits), read once.

Rate limits (all counted in the database, `login_rate_windows`, shared by every web worker):
- LOGIN_MAX_ATTEMPTS_PER_ACCOUNT (10) and LOGIN_MAX_ATTEMPTS_PER_IP (50) per LOGIN_WINDOW_MINUTES (15).
- PAY_MAX_ATTEMPTS_PER_LINK (20) and PAY_MAX_ATTEMPTS_PER_IP (60) per PAY_WINDOW_MINUTES (15): each
  `POST /pay/<token>/start` or `/charge` counts, so a link holder cannot use up the provider's rate limit.
FRESH_PROOF_MINUTES (10): how long after entering a one-time code the account page and account linking accept a
change (PIN, password, voice choices, linked devices); after that, or after a password sign-in, a new code is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .parse import ConfigError, integer


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
    pay_window_minutes: int = 15
    pay_max_per_link: int = 20  # payment starts and charges per payment link per window
    pay_max_per_ip: int = 60  # payment starts and charges per client address per window
    # A PIN, password, linked device or voice choice changes only this soon after a one-time code (docs/adr/0003).
    fresh_proof_minutes: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthSettings:
        built = cls(
            access_token_ttl_seconds=integer(env, "OAUTH_ACCESS_TOKEN_TTL_SECONDS", 3600, minimum=60),
            refresh_token_ttl_days=integer(env, "OAUTH_REFRESH_TOKEN_TTL_DAYS", 90),
            code_ttl_seconds=integer(env, "OAUTH_CODE_TTL_SECONDS", 300, minimum=30),
            login_code_ttl_minutes=integer(env, "LOGIN_CODE_TTL_MINUTES", 10),
            login_code_max_tries=integer(env, "LOGIN_CODE_MAX_TRIES", 5),
            login_window_minutes=integer(env, "LOGIN_WINDOW_MINUTES", 15),
            login_max_per_account=integer(env, "LOGIN_MAX_ATTEMPTS_PER_ACCOUNT", 10),
            login_max_per_ip=integer(env, "LOGIN_MAX_ATTEMPTS_PER_IP", 50),
            pay_window_minutes=integer(env, "PAY_WINDOW_MINUTES", 15),
            pay_max_per_link=integer(env, "PAY_MAX_ATTEMPTS_PER_LINK", 20),
            pay_max_per_ip=integer(env, "PAY_MAX_ATTEMPTS_PER_IP", 60),
            fresh_proof_minutes=integer(env, "FRESH_PROOF_MINUTES", 10, minimum=1),
        )
        if built.code_ttl_seconds > 600:
            raise ConfigError("OAUTH_CODE_TTL_SECONDS must be at most 600 (RFC 6749, section 4.1.2)")
        return built
