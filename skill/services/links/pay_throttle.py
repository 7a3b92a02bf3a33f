"""Payment-link starts and charges limited per link and per client address, counted like the sign-in limits.

Every start or charge may call the payment provider, whose rate limit every voice payment shares: a link
holder must not be able to use it up. https://docs.stripe.com/rate-limits
"""

from __future__ import annotations

from collections.abc import Callable

from ...domain.clock import Clock
from ...domain.tokens import hash_token
from ...settings import Settings
from ...storage.uow import UnitOfWork
from ..identity.throttle import Subject, count_attempt, forget_old_windows, subject


def count_pay_attempt(
    uow_factory: Callable[[], UnitOfWork], clock: Clock, settings: Settings, *, token: str, ip: str
) -> None:
    """Count one start or charge for this link and this address (committed at once, whatever follows).

    Raises TooManyAttempts, with nothing counted, when either is over its limit for the current window.
    """
    auth, now = settings.auth, clock.now()
    subjects = [
        # The link by its token's hash: the same subject whether or not the token is known.
        Subject(subject("pay-link", hash_token(token), settings.secret_key), auth.pay_max_per_link),
        Subject(subject("pay-ip", ip, settings.secret_key), auth.pay_max_per_ip),
    ]
    with uow_factory() as uow:
        count_attempt(uow, now, auth, subjects, window_minutes=auth.pay_window_minutes)
        forget_old_windows(uow, now, auth)
        uow.commit()
