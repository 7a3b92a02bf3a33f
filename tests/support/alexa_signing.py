"""A throw-away CA that signs Alexa-style requests, for testing POST /alexa verification without Amazon."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ALEXA_SAN = "echo-api.amazon.com"
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000001"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def issue(
    subject_key: rsa.RSAPrivateKey,
    common_name: str,
    *,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None,
    valid: tuple[datetime, datetime],
    ca: bool,
    dns_names: tuple[str, ...] = (),
) -> x509.Certificate:
    """A certificate shaped like a Web PKI one (self-signed when `issuer` is None)."""
    public_key = subject_key.public_key()
    issuer_name, signing_key = (issuer[0].subject, issuer[1]) if issuer else (_name(common_name), subject_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid[0])
        .not_valid_after(valid[1])
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
        )
    )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]), critical=False
        )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    return builder.sign(signing_key, hashes.SHA256())


@dataclass(frozen=True)
class Keys:
    """RSA keys are slow to make, so a test session makes these once and builds certificates from them."""

    root: rsa.RSAPrivateKey
    intermediate: rsa.RSAPrivateKey
    leaf: rsa.RSAPrivateKey
    stranger: rsa.RSAPrivateKey


@dataclass(frozen=True)
class SigningChain:
    root: x509.Certificate
    certificates: tuple[x509.Certificate, ...]  # leaf first, as Amazon serves it
    leaf_key: rsa.RSAPrivateKey

    def pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.certificates)


def build_chain(
    keys: Keys,
    now: datetime,
    *,
    san: tuple[str, ...] = (ALEXA_SAN,),
    leaf_valid: tuple[datetime, datetime] | None = None,
    intermediate: bool = True,
) -> SigningChain:
    """root → (intermediate →) leaf, all valid around `now` unless `leaf_valid` says otherwise."""
    around = (now - timedelta(days=30), now + timedelta(days=300))
    root = issue(keys.root, "Test Root CA", issuer=None, valid=around, ca=True)
    parent = (root, keys.root)
    certificates: list[x509.Certificate] = []
    if intermediate:
        middle = issue(keys.intermediate, "Test Intermediate CA", issuer=parent, valid=around, ca=True)
        parent = (middle, keys.intermediate)
        certificates.append(middle)
    leaf_window = leaf_valid or (now - timedelta(days=1), now + timedelta(days=30))
    leaf = issue(keys.leaf, "echo-api.amazon.com", issuer=parent, valid=leaf_window, ca=False, dns_names=san)
    return SigningChain(root=root, certificates=(leaf, *certificates), leaf_key=keys.leaf)


def sign(body: bytes, key: rsa.RSAPrivateKey) -> str:
    """The Signature-256 header value Alexa would send for `body`."""
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def envelope(
    timestamp: datetime, *, skill_id: str = SKILL_ID, utterance: str = "pay my gas bill"
) -> dict[str, Any]:
    """A minimal IntentRequest envelope; `utterance` lets a test look for request data in logs."""
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.1",
            "application": {"applicationId": skill_id},
        },
        "context": {
            "System": {"application": {"applicationId": skill_id}, "user": {"userId": "amzn1.ask.account.X"}}
        },
        "request": {
            "type": "IntentRequest",
            "requestId": "amzn1.echo-api.request.1",
            "timestamp": timestamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "locale": "en-US",
            "intent": {"name": "PayBillIntent", "slots": {"note": {"name": "note", "value": utterance}}},
        },
    }


def body_of(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode("utf-8")
