"""Two exchanges of one code, or two rotations of one refresh token, at the same moment: exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from skill.bootstrap import Services, bootstrap
from skill.demo.seed import DemoSummary
from skill.domain.clock import FixedClock
from skill.services.identity import oauth_grants
from skill.services.identity.link_tokens import resolve_access_token
from skill.services.identity.oauth_grants import GrantReplayed, NewTokens
from skill.settings import Settings

RACERS = 4


def _tokens(n: int) -> NewTokens:
    return NewTokens(
        f"access-{n}-" + "a" * 40, f"refresh-{n}-" + "r" * 40, timedelta(hours=1), timedelta(days=90), "Alexa"
    )


@pytest.fixture
def racers(settings: Settings, clock: FixedClock) -> Iterator[list[Services]]:
    """Each racer has its own engine and connections, as separate web workers would."""
    built = [bootstrap(settings, clock=clock) for _ in range(RACERS)]
    yield built
    for services in built:
        services.dispose()


def _race(racers: list[Services], attempt: Callable[[Services, int], None]) -> list[str]:
    barrier = threading.Barrier(len(racers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(services: Services, n: int) -> None:
        barrier.wait(timeout=60)
        try:
            attempt(services, n)
            result = f"won {n}"
        except GrantReplayed:
            result = "replay"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(s, n)) for n, s in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(outcomes) == len(racers)
    return outcomes


def _code(services: Services, demo: DemoSummary) -> oauth_grants.CodeView:
    oauth_grants.save_authorization_code(
        services.uow(),
        services.clock,
        code="the-one-code",
        client_id="alexa-test",
        customer_id=demo.customer_id,
        redirect_uri="https://pitangui.amazon.com/api/skill/link/M2TEST",
        scope="bills",
        code_challenge=None,
        code_challenge_method=None,
        ttl=timedelta(minutes=5),
    )
    view = oauth_grants.find_code(services.uow(), services.clock, "the-one-code", "alexa-test")
    assert view is not None
    return view


def test_one_code_exchanged_by_four_workers_at_once_gives_tokens_once(
    services: Services, demo: DemoSummary, racers: list[Services]
) -> None:
    code = _code(services, demo)

    outcomes = _race(racers, lambda s, n: oauth_grants.exchange_code(s.uow(), s.clock, code, _tokens(n)))

    assert sorted(o.split()[0] for o in outcomes) == ["replay"] * (RACERS - 1) + ["won"]
    # a code used twice revokes what it gave (RFC 6749 section 4.1.2), even to the winner
    for n in range(RACERS):
        assert resolve_access_token(services.uow(), _tokens(n).access_token, services.clock) is None


def test_one_refresh_token_rotated_by_four_workers_at_once_rotates_once(
    services: Services, demo: DemoSummary, racers: list[Services]
) -> None:
    oauth_grants.exchange_code(services.uow(), services.clock, _code(services, demo), _tokens(99))
    old = oauth_grants.find_refresh_token(services.uow(), services.clock, _tokens(99).refresh_token)
    assert old is not None

    outcomes = _race(
        racers, lambda s, n: oauth_grants.rotate_refresh_token(s.uow(), s.clock, old, _tokens(n))
    )

    assert sorted(o.split()[0] for o in outcomes) == ["replay"] * (RACERS - 1) + ["won"]
    assert all(
        resolve_access_token(services.uow(), _tokens(n).access_token, services.clock) is None
        for n in range(RACERS)
    )
