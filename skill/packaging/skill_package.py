"""`billpay skill package`: the ASK CLI v2 skill package with this deployment's names, URLs and billers."""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ..settings import ConfigError, Settings
from .ask_deploy import TEMPLATE_PATH, ask_resources, cfn_deployer_template
from .invocation_name import validate_invocation_name

SOURCE_ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_HOST = "billpay.example"
BRAND = "Northwind Energy"  # the display name the committed skill.json is written for

Json = dict[str, Any]


@dataclass(frozen=True)
class PackageOptions:
    """What a deployment changes in the committed manifest and models. None keeps the committed value."""

    out: Path
    invocation_names: Mapping[str, str]
    endpoint_url: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None
    skill_name: str | None = None
    biller_values: list[Json] | None = None


def load_sources(root: Path = SOURCE_ROOT) -> tuple[Json, dict[str, Json]]:
    """The committed manifest and one interaction model per locale the manifest publishes."""
    manifest = json.loads((root / "skill.json").read_text(encoding="utf-8"))
    models = {}
    for locale in manifest["manifest"]["publishingInformation"]["locales"]:
        path = root / "interaction_models" / f"{locale}.json"
        if not path.exists():
            raise ConfigError(f"skill.json publishes {locale} but {path} is missing")
        models[locale] = json.loads(path.read_text(encoding="utf-8"))
    return manifest, models


def language_model(model: Json) -> Json:
    language: Json = model["interactionModel"]["languageModel"]
    return language


def customize_model(model: Json, options: PackageOptions, locale: str) -> Json:
    model = copy.deepcopy(model)
    language = language_model(model)
    if locale in options.invocation_names:
        language["invocationName"] = options.invocation_names[locale]
    if options.biller_values is not None:
        for slot_type in language["types"]:
            if slot_type["name"] == "BILLER_NAME":
                slot_type["values"] = merge_biller_synonyms(options.biller_values, slot_type["values"])
    return model


def merge_biller_synonyms(from_store: list[Json], committed: list[Json]) -> list[Json]:
    """Store billers win; a committed value with the same id adds its localized synonyms ("Lumen Mobiel")."""
    extra = {value["id"]: [value["name"]["value"], *value["name"].get("synonyms", [])] for value in committed}
    merged = []
    for value in from_store:
        spoken = value["name"]["value"]
        synonyms = _unique([*value["name"]["synonyms"], *extra.get(value["id"], [])], exclude=spoken)
        merged.append({"id": value["id"], "name": {"value": spoken, "synonyms": synonyms}})
    return merged


def _unique(words: list[str], exclude: str = "") -> list[str]:
    seen = {exclude.casefold()}
    kept = []
    for word in (w.strip() for w in words):
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            kept.append(word)
    return kept


def customize_manifest(manifest: Json, models: Mapping[str, Json], options: PackageOptions) -> Json:
    manifest = copy.deepcopy(manifest)
    body = manifest["manifest"]
    for locale, info in body["publishingInformation"]["locales"].items():
        committed_name = language_model(models[locale])["invocationName"]
        new_name = options.invocation_names.get(locale, committed_name)
        pattern = re.compile(re.escape(committed_name), re.IGNORECASE)
        info["examplePhrases"] = [pattern.sub(new_name, phrase) for phrase in info["examplePhrases"]]
        if options.skill_name:
            for key in ("name", "summary", "description"):
                info[key] = info[key].replace(BRAND, options.skill_name)
    for urls in body["privacyAndCompliance"]["locales"].values():
        urls["privacyPolicyUrl"] = options.privacy_url or urls["privacyPolicyUrl"]
        urls["termsOfUseUrl"] = options.terms_url or urls["termsOfUseUrl"]
    if options.endpoint_url:
        body["apis"]["custom"]["endpoint"] = endpoint(options.endpoint_url)
    return manifest


def endpoint(url: str) -> Json:
    # https://developer.amazon.com/docs/alexa/smapi/skill-manifest.html#custom-apis: a Lambda ARN has no
    # certificate type; an HTTPS endpoint needs one (ours must present a certificate from a trusted CA).
    if url.startswith("arn:aws:lambda:"):
        return {"uri": url}
    return {"uri": url, "sslCertificateType": "Trusted"}


def account_linking_request(settings: Settings, env: Mapping[str, str]) -> Json:
    """The body for `ask smapi update-account-linking-info --account-linking-request file:...`."""
    # https://developer.amazon.com/docs/alexa/smapi/account-linking-schemas.html (authorization code grant)
    request: Json = {
        "type": "AUTH_CODE",
        "authorizationUrl": f"{settings.public_base_url}/oauth/authorize",
        "accessTokenUrl": f"{settings.public_base_url}/oauth/token",
        "accessTokenScheme": "HTTP_BASIC",
        "clientId": env.get("ALEXA_OAUTH_CLIENT_ID") or "alexa",
        "scopes": ["bills"],
        "domains": [],
        "defaultTokenExpirationInSeconds": settings.auth.access_token_ttl_seconds,
        "skipOnEnablement": False,
    }
    if env.get("ALEXA_OAUTH_CLIENT_SECRET"):
        request["clientSecret"] = env["ALEXA_OAUTH_CLIENT_SECRET"]
    return {"accountLinkingRequest": request}


def write_json(path: Path, data: Json) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def build_package(options: PackageOptions, linking: Json, root: Path = SOURCE_ROOT) -> list[Path]:
    """Write DIR/ask-resources.json (kept when present), DIR/skill-package/ and the cfn-deployer's stack template."""
    manifest, models = load_sources(root)
    unknown = set(options.invocation_names) - set(models)
    if unknown:
        raise ConfigError(f"invocation names given for unpublished locales: {', '.join(sorted(unknown))}")
    package = options.out / "skill-package"
    written = {package / "skill.json": customize_manifest(manifest, models, options)}
    for locale, model in models.items():
        written[package / "interactionModels" / "custom" / f"{locale}.json"] = customize_model(
            model, options, locale
        )
    written[package / "accountLinking.json"] = linking
    resources = options.out / "ask-resources.json"
    if not resources.exists():  # a deployment's own (its region, secret ARN and URL) is kept
        written[resources] = ask_resources()
    for path, data in written.items():
        write_json(path, data)
    stack = options.out / TEMPLATE_PATH
    stack.parent.mkdir(parents=True, exist_ok=True)
    stack.write_text(cfn_deployer_template((root / "template.yaml").read_text("utf-8")), encoding="utf-8")
    return [*written, stack]


def invocation_names(args: argparse.Namespace, env: Mapping[str, str], locales: list[str]) -> dict[str, str]:
    """Per-locale names from --invocation-names-json, else one name for all from the flag or the env."""
    if args.invocation_names_json:
        names = _read_names(Path(args.invocation_names_json))
    elif single := (args.invocation_name or env.get("SKILL_INVOCATION_NAME")):
        names = dict.fromkeys(locales, single)
    else:
        return {}
    for locale, name in names.items():
        validate_invocation_name(name, locale)
    return names


def _read_names(path: Path) -> dict[str, str]:
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--invocation-names-json: cannot read {path}: {exc}") from None
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise ConfigError('--invocation-names-json must hold an object like {"de-DE": "northwind energie"}')
    return names


def checked_url(value: str | None, name: str, *, allow_lambda: bool = False) -> str | None:
    if not value or (allow_lambda and value.startswith("arn:aws:lambda:")):
        return value or None
    parsed = urlparse(value)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ConfigError(f"{name} must be an https URL, got {value!r}")
    return value


def billers_from_store(settings: Settings) -> list[Json]:
    """BILLER_NAME values from the billers in the store: id = slug, synonyms = name and aliases."""
    from ..bootstrap import bootstrap

    services = bootstrap(settings)
    try:
        with services.uow() as uow:
            billers = [(b.slug, b.spoken_name, [b.name, *(b.aliases or [])]) for b in uow.billers.all()]
    finally:
        services.dispose()
    if not billers:
        raise ConfigError("--billers-from-db: the database has no billers (seed or create them first)")
    return [
        {"id": slug, "name": {"value": spoken, "synonyms": _unique([str(a) for a in names], exclude=spoken)}}
        for slug, spoken, names in billers
    ]


def placeholder_warnings(options: PackageOptions, linking: Json) -> list[str]:
    warnings = []
    for flag, env_name, value in (
        ("--endpoint-url", "SKILL_ENDPOINT_URL", options.endpoint_url),
        ("--privacy-url", "PRIVACY_URL", options.privacy_url),
        ("--terms-url", "TERMS_URL", options.terms_url),
    ):
        if not value:
            warnings.append(f"{flag} / {env_name} not set: the package keeps https://{PLACEHOLDER_HOST}/...")
    request = linking["accountLinkingRequest"]
    if not request["authorizationUrl"].startswith("https://"):
        warnings.append("PUBLIC_BASE_URL is not https: Alexa account linking needs https OAuth URLs")
    if "clientSecret" not in request:
        warnings.append(
            "ALEXA_OAUTH_CLIENT_SECRET not set: add clientSecret to accountLinking.json before deploying"
        )
    return warnings


def add_package_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", default=".", metavar="DIR", help="where ask-resources.json and skill-package/ go"
    )
    names = parser.add_mutually_exclusive_group()
    names.add_argument("--invocation-name", metavar="NAME", help="one invocation name for every locale")
    names.add_argument("--invocation-names-json", metavar="FILE", help='{"en-US": "...", "de-DE": "..."}')
    parser.add_argument("--endpoint-url", metavar="URL", help="https endpoint (…/alexa) or Lambda ARN")
    parser.add_argument("--privacy-url", metavar="URL")
    parser.add_argument("--terms-url", metavar="URL")
    parser.add_argument("--skill-name", metavar="NAME", help=f"display name replacing {BRAND!r}")
    parser.add_argument("--billers-from-db", action="store_true", help="BILLER_NAME values from the store")


def run_package_command(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    settings = Settings.from_env(env)
    manifest, models = load_sources()
    locales = list(manifest["manifest"]["publishingInformation"]["locales"])
    options = PackageOptions(
        out=Path(args.out),
        invocation_names=invocation_names(args, env, locales),
        endpoint_url=checked_url(
            args.endpoint_url or env.get("SKILL_ENDPOINT_URL"), "--endpoint-url", allow_lambda=True
        ),
        privacy_url=checked_url(args.privacy_url or env.get("PRIVACY_URL"), "--privacy-url"),
        terms_url=checked_url(args.terms_url or env.get("TERMS_URL"), "--terms-url"),
        skill_name=args.skill_name or env.get("SKILL_NAME") or None,
        biller_values=billers_from_store(settings) if args.billers_from_db else None,
    )
    linking = account_linking_request(settings, env)
    written = build_package(options, linking)
    for warning in placeholder_warnings(options, linking):
        print(f"billpay: warning: {warning}", file=sys.stderr)
    print(f"wrote {len(written)} files under {options.out / 'skill-package'} and {options.out}")
    for locale in locales:
        name = options.invocation_names.get(locale, language_model(models[locale])["invocationName"])
        print(f"  {locale}: invocation name {name!r}")
    return 0
