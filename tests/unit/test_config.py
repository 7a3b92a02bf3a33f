"""Settings come from the environment with safe defaults; a malformed variable is a ConfigError that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.settings import ConfigError, Settings


def test_defaults_use_a_sqlite_file_under_var_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    expected = tmp_path.resolve() / "var" / "billpay.sqlite3"
    assert settings.database_url == f"sqlite:///{expected}"
    assert settings.is_sqlite
    assert settings.sqlite_path() == expected


def test_defaults_for_everything_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.default_locale == "en-US"
    assert (settings.link_ttl_hours, settings.token_ttl_days) == (72, 90)
    assert (settings.alexa_verify_requests, settings.demo_mode) == (True, False)
    assert (settings.stripe_api_key, settings.stripe_api_base, settings.alexa_skill_id) == (None, None, None)


def test_the_var_directory_can_be_moved(tmp_path: Path) -> None:
    settings = Settings.from_env({"BILLPAY_VAR_DIR": str(tmp_path / "state")})
    assert settings.sqlite_path() == tmp_path.resolve() / "state" / "billpay.sqlite3"


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_database_url_means_the_default(blank: str, tmp_path: Path) -> None:
    settings = Settings.from_env({"DATABASE_URL": blank, "BILLPAY_VAR_DIR": str(tmp_path)})
    assert settings.sqlite_path() == tmp_path.resolve() / "billpay.sqlite3"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://billpay:pw@db:5432/billpay", "postgresql+psycopg://billpay:pw@db:5432/billpay"),
        ("postgresql://billpay@db/billpay", "postgresql+psycopg://billpay@db/billpay"),
        ("postgresql+psycopg://billpay@db/billpay", "postgresql+psycopg://billpay@db/billpay"),
        ("sqlite:////srv/billpay/db.sqlite3", "sqlite:////srv/billpay/db.sqlite3"),
        ("  postgres://u@h/d  ", "postgresql+psycopg://u@h/d"),
    ],
)
def test_database_urls_are_normalised_to_the_shipped_drivers(given: str, expected: str) -> None:
    settings = Settings.from_env({"DATABASE_URL": given})
    assert settings.database_url == expected
    assert settings.is_sqlite is expected.startswith("sqlite")


def test_values_are_parsed(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "BILLPAY_VAR_DIR": str(tmp_path),
            "PUBLIC_BASE_URL": "https://pay.example.com/",
            "BILLPAY_DEFAULT_LOCALE": "sv-SE",
            "ALEXA_SKILL_ID": "amzn1.ask.skill.0b0e4a5f-1111-2222-3333-444455556666",
            "ALEXA_VERIFY_REQUESTS": "off",
            "BILLPAY_DEMO": "Yes",
            "PAYMENT_LINK_TTL_HOURS": "24",
            "ACCESS_TOKEN_TTL_DAYS": "30",
            "STRIPE_API_BASE": "http://127.0.0.1:8420/",
        }
    )
    assert settings.public_base_url == "https://pay.example.com"
    assert settings.default_locale == "sv-SE"
    assert settings.alexa_skill_id == "amzn1.ask.skill.0b0e4a5f-1111-2222-3333-444455556666"
    assert (settings.alexa_verify_requests, settings.demo_mode) == (False, True)
    assert (settings.link_ttl_hours, settings.token_ttl_days) == (24, 30)
    assert settings.stripe_api_base == "http://127.0.0.1:8420"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/billpay"),
        ("DATABASE_URL", "postgresql+psycopg2://u@h/d"),
        ("DATABASE_URL", "sqlite://"),
        ("DATABASE_URL", "billpay.sqlite3"),
        ("PUBLIC_BASE_URL", "pay.example.com"),
        ("PUBLIC_BASE_URL", "ftp://pay.example.com"),
        ("BILLPAY_DEFAULT_LOCALE", "fr-FR"),
        ("BILLPAY_DEFAULT_LOCALE", "en_US"),
        ("ALEXA_SKILL_ID", "my-skill"),
        ("ALEXA_VERIFY_REQUESTS", "maybe"),
        ("ALEXA_CERT_FETCH_TIMEOUT_SECONDS", "soon"),
        ("STRIPE_API_BASE", "localhost:12111"),
        ("STRIPE_PAYMENT_METHOD_TYPES", "Card;SEPA"),
        ("PAYMENT_LINK_TTL_HOURS", "three days"),
        ("PAYMENT_LINK_TTL_HOURS", "0"),
        ("PAYMENT_LINK_TTL_HOURS", "-1"),
        ("ACCESS_TOKEN_TTL_DAYS", "ninety"),
        ("BILLPAY_DEMO", "perhaps"),
        ("API_RATE_LIMIT_PER_MINUTE", "lots"),
        ("WEBHOOKS_ALLOW_INSECURE_URLS", "sometimes"),
    ],
)
def test_a_malformed_variable_is_a_config_error_naming_it(name: str, value: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"BILLPAY_VAR_DIR": str(tmp_path), name: value})


def test_a_refused_database_url_does_not_echo_its_password() -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"DATABASE_URL": "mysql://billpay:hunter2@db/billpay"})
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite:///:memory:", "postgresql://", "postgres://"])
def test_database_url_without_a_file_or_host_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        Settings.from_env({"DATABASE_URL": url})


def test_a_local_socket_postgresql_url_is_accepted() -> None:
    assert (
        Settings.from_env({"DATABASE_URL": "postgresql:///billpay"}).database_url
        == "postgresql+psycopg:///billpay"
    )


LAMBDA = {"AWS_LAMBDA_FUNCTION_NAME": "billpay-skill"}


@pytest.mark.parametrize("url", ["", "sqlite:////tmp/billpay.sqlite3", "mysql://db/billpay"])
def test_on_lambda_anything_but_postgresql_fails_at_start_saying_why(url: str) -> None:
    with pytest.raises(ConfigError, match="PostgreSQL URL on AWS Lambda") as refused:
        Settings.from_env({**LAMBDA, "DATABASE_URL": url})
    assert "docs/deploy.md" in str(refused.value)


def test_on_lambda_each_container_keeps_a_small_pool() -> None:
    lambda_settings = Settings.from_env({**LAMBDA, "DATABASE_URL": "postgresql://db.example/billpay"})
    web = Settings.from_env({"DATABASE_URL": "postgresql://db.example/billpay"})
    assert (lambda_settings.db_pool_size, lambda_settings.db_max_overflow) == (1, 1)
    assert (web.db_pool_size, web.db_max_overflow) == (5, 5)
    tuned = Settings.from_env({**LAMBDA, "DATABASE_URL": "postgresql://db/b", "DB_POOL_SIZE": "2"})
    assert tuned.db_pool_size == 2
