"""`billpay skill package`: the ASK CLI v2 layout, per-deployment names and URLs, and refused invocation names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from skill.cli import main
from skill.demo.seed import DemoSummary
from skill.packaging.invocation_name import invocation_name_problem
from skill.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ["de-DE", "en-GB", "en-US", "nl-NL"]
SKILL_ENV = ("SKILL_INVOCATION_NAME", "SKILL_ENDPOINT_URL", "PRIVACY_URL", "TERMS_URL", "SKILL_NAME")


@pytest.fixture(autouse=True)
def _no_deployment_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*SKILL_ENV, "PUBLIC_BASE_URL", "ALEXA_OAUTH_CLIENT_ID", "ALEXA_OAUTH_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def models(out: Path) -> dict[str, dict[str, Any]]:
    custom = out / "skill-package" / "interactionModels" / "custom"
    return {
        path.stem: read(path)["interactionModel"]["languageModel"] for path in sorted(custom.glob("*.json"))
    }


def manifest(out: Path) -> dict[str, Any]:
    body: dict[str, Any] = read(out / "skill-package" / "skill.json")["manifest"]
    return body


def test_package_writes_the_ask_cli_v2_layout(tmp_path: Path) -> None:
    assert main(["skill", "package", "--out", str(tmp_path)]) == 0
    resources = read(tmp_path / "ask-resources.json")
    assert resources["profiles"]["default"]["skillMetadata"]["src"] == "./skill-package"
    # ask deploy ships the code and the infrastructure too: the unpacked Lambda build and the generated stack.
    assert resources["profiles"]["default"]["code"]["default"]["src"] == "./dist/lambda"
    infrastructure = resources["profiles"]["default"]["skillInfrastructure"]
    assert infrastructure["type"] == "@ask-cli/cfn-deployer"
    assert (tmp_path / infrastructure["userConfig"]["templatePath"]).is_file()
    assert (
        sorted(manifest(tmp_path)["publishingInformation"]["locales"]) == sorted(models(tmp_path)) == LOCALES
    )
    for locale, language in models(tmp_path).items():
        committed = read(ROOT / "interaction_models" / f"{locale}.json")["interactionModel"]["languageModel"]
        assert language == committed
    linking = read(tmp_path / "skill-package" / "accountLinking.json")["accountLinkingRequest"]
    assert linking["type"] == "AUTH_CODE"


def test_invocation_name_override_lands_in_every_locale(tmp_path: Path) -> None:
    assert main(["skill", "package", "--out", str(tmp_path), "--invocation-name", "aqua pura bills"]) == 0
    assert {language["invocationName"] for language in models(tmp_path).values()} == {"aqua pura bills"}
    for locale, info in manifest(tmp_path)["publishingInformation"]["locales"].items():
        assert all("aqua pura bills" in phrase for phrase in info["examplePhrases"]), locale
        assert not any("northwind" in phrase for phrase in info["examplePhrases"]), locale


def test_invocation_names_json_names_each_locale(tmp_path: Path) -> None:
    names = tmp_path / "names.json"
    names.write_text(json.dumps({"de-DE": "aqua pura rechnungen", "nl-NL": "aqua pura rekeningen"}))
    out = tmp_path / "out"
    assert main(["skill", "package", "--out", str(out), "--invocation-names-json", str(names)]) == 0
    invocation = {locale: language["invocationName"] for locale, language in models(out).items()}
    assert invocation == {
        "de-DE": "aqua pura rechnungen",
        "en-GB": "northwind energy",
        "en-US": "northwind energy",
        "nl-NL": "aqua pura rekeningen",
    }


def test_settings_from_the_environment_replace_the_placeholders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SKILL_INVOCATION_NAME", "lumen mobile bills")
    monkeypatch.setenv("SKILL_ENDPOINT_URL", "https://pay.lumen.test/alexa")
    monkeypatch.setenv("PRIVACY_URL", "https://lumen.test/privacy")
    monkeypatch.setenv("TERMS_URL", "https://lumen.test/terms")
    monkeypatch.setenv("SKILL_NAME", "Lumen Mobile")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://pay.lumen.test")
    monkeypatch.setenv("ALEXA_OAUTH_CLIENT_SECRET", "s3cret")
    assert main(["skill", "package", "--out", str(tmp_path)]) == 0
    body = manifest(tmp_path)
    assert body["apis"]["custom"]["endpoint"] == {
        "uri": "https://pay.lumen.test/alexa",
        "sslCertificateType": "Trusted",
    }
    assert "billpay.example" not in json.dumps(body)
    assert {info["name"] for info in body["publishingInformation"]["locales"].values()} == {
        "Lumen Mobile Bills",
        "Lumen Mobile Rechnungen",
        "Lumen Mobile Rekeningen",
    }
    linking = read(tmp_path / "skill-package" / "accountLinking.json")["accountLinkingRequest"]
    assert linking["authorizationUrl"] == "https://pay.lumen.test/oauth/authorize"
    assert linking["accessTokenUrl"] == "https://pay.lumen.test/oauth/token"
    assert linking["clientSecret"] == "s3cret"
    assert "warning" not in capsys.readouterr().err


def test_placeholders_left_in_the_package_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["skill", "package", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    for setting in ("SKILL_ENDPOINT_URL", "PRIVACY_URL", "TERMS_URL", "ALEXA_OAUTH_CLIENT_SECRET"):
        assert setting in err


def test_lambda_endpoint_has_no_certificate_type(tmp_path: Path) -> None:
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:billpay"
    assert main(["skill", "package", "--out", str(tmp_path), "--endpoint-url", arn]) == 0
    assert manifest(tmp_path)["apis"]["custom"]["endpoint"] == {"uri": arn}


@pytest.mark.parametrize(
    "name",
    [
        "Northwind Energy",  # upper case
        "northwind",  # one word
        "alexa bills",  # wake word
        "ask northwind",  # launch word
        "northwind skill",
        "the bills",  # two words, one an article
        "northwind 2",  # digits
        "northwind-energy",  # punctuation
        "northwind  energy",  # double space
        "x",
    ],
)
def test_invalid_invocation_names_are_refused(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["skill", "package", "--out", str(tmp_path), "--invocation-name", name]) == 2
    assert "invocation name" in capsys.readouterr().err
    assert not list(tmp_path.iterdir()), "nothing is written"


@pytest.mark.parametrize(
    ("name", "locale"),
    [
        ("northwind energy", "en-US"),
        ("sam's bill desk", "en-GB"),
        ("northwind energie", "de-DE"),
        ("a. b. c. bills", "en-US"),
    ],
)
def test_valid_invocation_names_pass(name: str, locale: str) -> None:
    assert invocation_name_problem(name, locale) is None


def test_launch_words_are_refused_in_their_own_language() -> None:
    assert invocation_name_problem("öffne rechnungen", "de-DE") is not None
    assert invocation_name_problem("vraag rekeningen", "nl-NL") is not None


def test_names_json_for_an_unpublished_locale_is_refused(tmp_path: Path) -> None:
    names = tmp_path / "names.json"
    names.write_text(json.dumps({"fr-FR": "factures northwind"}))
    assert (
        main(["skill", "package", "--out", str(tmp_path / "out"), "--invocation-names-json", str(names)]) == 2
    )


def test_plain_http_endpoint_is_refused(tmp_path: Path) -> None:
    assert main(["skill", "package", "--out", str(tmp_path), "--endpoint-url", "http://pay.test/alexa"]) == 2


def test_an_existing_ask_resources_file_is_kept(tmp_path: Path) -> None:
    mine = {"askcliResourcesVersion": "2020-03-31", "profiles": {"biller": {"skillMetadata": {"src": "./x"}}}}
    (tmp_path / "ask-resources.json").write_text(json.dumps(mine))
    assert main(["skill", "package", "--out", str(tmp_path)]) == 0
    assert read(tmp_path / "ask-resources.json") == mine


def test_billers_from_the_store_become_biller_name_values(
    tmp_path: Path, settings: Settings, demo: DemoSummary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    assert main(["skill", "package", "--out", str(tmp_path), "--billers-from-db"]) == 0
    for locale, language in models(tmp_path).items():
        (billers,) = [t["values"] for t in language["types"] if t["name"] == "BILLER_NAME"]
        by_id = {v["id"]: [v["name"]["value"], *v["name"]["synonyms"]] for v in billers}
        assert sorted(by_id) == ["aqua-pura", "lumen-mobile", "northwind-energy"], locale
        assert "water company" in by_id["aqua-pura"], "aliases from the store"
    nl = {v["id"]: v["name"]["synonyms"] for t in models(tmp_path)["nl-NL"]["types"] for v in t["values"]}
    assert "Lumen Mobiel" in nl["lumen-mobile"], "committed localized synonyms are kept"


def test_billers_from_an_empty_store_are_refused(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    assert main(["skill", "package", "--out", str(tmp_path / "out"), "--billers-from-db"]) == 2
    assert not (tmp_path / "out").exists()
