"""The receiver-side signature check refuses a timestamp of non-ASCII digits instead of crashing on int()."""

from __future__ import annotations

import pytest

from skill.notifications.webhook import sign, verify

BODY = b'{"id":"evt_1"}'


def test_a_fresh_signature_verifies() -> None:
    assert verify("whsec_x", BODY, sign("whsec_x", BODY, 1_000), now=1_000)


@pytest.mark.parametrize("timestamp", ["１０００", "10²", "١٠٠٠"])
def test_a_timestamp_of_other_digits_is_refused(timestamp: str) -> None:
    header = sign("whsec_x", BODY, 1_000).replace("t=1000", f"t={timestamp}")
    assert verify("whsec_x", BODY, header, now=1_000) is False
