"""The browser session's customer: sign in, who is signed in, whether a code was entered lately, sign out.

A session opened by a link from a message counts for /wallet only; changes to the account need a one-time code
entered within a window (docs/adr/0003).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import session

SESSION_COOKIE = "billpay_session"
SESSION_LIFETIME = timedelta(minutes=30)
_CUSTOMER_KEY = "customer_id"
_WALLET_ONLY_KEY = "wallet_only"
_PROVEN_KEY = "proven_at"
_BILLER_KEY = "biller_id"


def sign_in(customer_id: int, *, wallet_only: bool = False, proven_at: datetime | None = None) -> None:
    """Bind the browser session to a customer (new CSRF token: no fixation across the sign-in).

    wallet_only: signed in by a link from a message (a bearer secret), not by a code or password: the session
    opens /wallet, never the account page or account linking (password, voice PIN, Alexa).
    proven_at: when a one-time code was entered (not for a password): changes need a fresh proof.
    """
    session.clear()
    session.permanent = True  # expires after SESSION_LIFETIME; the signature carries the time
    session[_CUSTOMER_KEY] = customer_id
    if wallet_only:
        session[_WALLET_ONLY_KEY] = True
    if proven_at is not None:
        session[_PROVEN_KEY] = int(proven_at.timestamp())


def remember_biller(biller_id: int) -> None:
    """The biller whose link opened this session: the wallet page then wears that biller's brand."""
    session[_BILLER_KEY] = biller_id


def session_biller() -> int | None:
    value = session.get(_BILLER_KEY)
    return value if isinstance(value, int) else None


def freshly_proven(now: datetime, window: timedelta) -> bool:
    """Whether this session entered a one-time code within `window` (docs/adr/0003)."""
    proven = session.get(_PROVEN_KEY)
    if not isinstance(proven, int) or session.get(_WALLET_ONLY_KEY):
        return False
    return 0 <= now.timestamp() - proven <= window.total_seconds()


def signed_in_customer(*, for_wallet: bool = False) -> int | None:
    """The session's customer; a wallet-only session counts only where for_wallet is set."""
    value = session.get(_CUSTOMER_KEY)
    if session.get(_WALLET_ONLY_KEY) and not for_wallet:
        return None
    return value if isinstance(value, int) else None


def sign_out() -> None:
    session.clear()
