"""Bearer secrets (link, sign-in, OAuth and API tokens): made from 256 random bits, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A URL-safe secret of 32 random bytes, to hand out once; keep only `hash_token` of it."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()
