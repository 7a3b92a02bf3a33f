"""Web passwords: scrypt with a per-password salt; a dummy check keeps unknown accounts as slow as known ones."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from ...domain.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 200
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
# Checked against when the account is unknown or has no password, so every refusal costs one scrypt.
_DUMMY = "scrypt$16384$" + "00" * 16 + "$" + "00" * 32


def hash_password(password: str) -> str:
    if not MIN_LENGTH <= len(password or "") <= MAX_LENGTH:
        raise InvalidInput(f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters", field="password")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str | None) -> bool:
    """Constant work whether or not `stored` exists; False for anything malformed."""
    _scheme, n, salt, digest = (stored or _DUMMY).split("$")
    candidate = hashlib.scrypt(
        (password or "")[:MAX_LENGTH].encode(), salt=bytes.fromhex(salt), **{**_SCRYPT, "n": int(n)}
    )
    return stored is not None and hmac.compare_digest(candidate.hex(), digest)
