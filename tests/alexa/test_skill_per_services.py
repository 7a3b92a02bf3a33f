"""The built skill lives on the Services it was built for: never shared, never outliving them."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace
from typing import Any

import pytest

from skill.alexa import entry
from skill.bootstrap import Services
from tests.alexa.driver import AlexaClient

LAUNCH = AlexaClient(send=lambda event: event).envelope({"type": "LaunchRequest"})


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[tuple[weakref.ref[Services], weakref.ref[Any]]]:
    """Every skill entry.build_skill makes, with the services it was made for (weakly: nothing is kept alive)."""
    made: list[tuple[weakref.ref[Services], weakref.ref[Any]]] = []
    real = entry.build_skill

    def spy(services: Services) -> Any:
        skill = real(services)
        made.append((weakref.ref(services), weakref.ref(skill)))
        return skill

    monkeypatch.setattr(entry, "build_skill", spy)
    return made


def test_a_skill_is_built_once_per_services_and_kept_on_them(
    services: Services, built: list[tuple[weakref.ref[Services], weakref.ref[Any]]]
) -> None:
    entry.dispatch(services, LAUNCH)
    entry.dispatch(services, LAUNCH)
    assert len(built) == 1
    assert built[0][0]() is services and services.alexa_skill is built[0][1]()


def test_two_services_never_share_a_skill_even_when_an_id_is_reused(
    services: Services, built: list[tuple[weakref.ref[Services], weakref.ref[Any]]]
) -> None:
    first = replace(services)
    entry.dispatch(first, LAUNCH)
    first_id, first_gone = id(first), weakref.ref(first)
    del first
    gc.collect()
    assert first_gone() is None and built[0][1]() is None  # no cache outside the object keeps either alive

    # CPython usually hands the freed address to the next object of the same size; try a few to reuse it.
    second, spare = replace(services), []
    while id(second) != first_id and len(spare) < 100:
        spare.append(second)
        second = replace(services)
    entry.dispatch(second, LAUNCH)
    assert len(built) == 2
    assert built[1][0]() is second and second.alexa_skill is built[1][1]()


def test_a_copy_of_services_builds_its_own_skill(services: Services) -> None:
    entry.dispatch(services, LAUNCH)
    copy = replace(services, settings=replace(services.settings, alexa_skill_id=""))
    assert copy.alexa_skill is None
    entry.dispatch(copy, LAUNCH)
    assert copy.alexa_skill is not None and copy.alexa_skill is not services.alexa_skill
