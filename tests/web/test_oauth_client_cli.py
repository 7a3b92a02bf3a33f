"""`billpay oauth client create`: the console values, Alexa's three redirect URLs, a secret kept only as a hash."""

from __future__ import annotations

import re

import pytest

from skill.bootstrap import Services
from skill.cli import main
from skill.domain.tokens import hash_token
from skill.services.identity.oauth_clients import find_client
from skill.settings import Settings


@pytest.fixture
def env(settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bills.example.com")


def test_create_prints_what_the_alexa_console_needs(
    env: None, services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["oauth", "client", "create", "--vendor-id", "M2ABCDEF123456", "--name", "Northwind on Alexa"])
        == 0
    )
    out = capsys.readouterr().out

    values = dict(re.findall(r"^([A-Z][\w ]+):\s+(\S.*)$", out, flags=re.MULTILINE))
    assert values["Authorization URI"] == "https://bills.example.com/oauth/authorize"
    assert values["Access Token URI"] == "https://bills.example.com/oauth/token"
    assert values["Scope"] == "bills"
    client = find_client(services.uow(), values["Your Client ID"])
    assert client is not None and client.name == "Northwind on Alexa"
    assert client.secret_matches(values["Your Secret"])
    assert client.secret_hash == hash_token(values["Your Secret"]) != values["Your Secret"]
    assert client.redirect_uris == (
        "https://pitangui.amazon.com/api/skill/link/M2ABCDEF123456",
        "https://layla.amazon.com/api/skill/link/M2ABCDEF123456",
        "https://alexa.amazon.co.jp/api/skill/link/M2ABCDEF123456",
    )
    assert all(uri in out for uri in client.redirect_uris)


def test_a_malformed_vendor_id_is_refused_with_a_clear_message(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oauth", "client", "create", "--vendor-id", "M2/../evil"]) == 1
    assert "vendor id" in capsys.readouterr().err
