"""The demo customer's account-linking token, kept raw in var/ (mode 0600) and reused while it is valid.

The database stores only its SHA-256, so the demo keeps the raw token itself to print it again on a restart;
a new one is issued only when the stored one expired, was revoked or belongs to another database.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from ..settings import DEMO_TOKEN_FILE
from .seed import DEMO_EMAIL

if TYPE_CHECKING:
    from ..bootstrap import Services

TOKEN_TTL = timedelta(days=7)


def demo_token_path(var_dir: Path) -> Path:
    return var_dir / DEMO_TOKEN_FILE


def demo_linking_token(services: Services, var_dir: Path) -> tuple[str, bool]:
    """The token to print and whether it was issued just now (False: the stored one is still valid)."""
    path = demo_token_path(var_dir)
    stored = path.read_text(encoding="utf-8").strip() if path.exists() else ""
    if stored and services.identity.resolve_access_token(stored) is not None:
        return stored, False
    token = services.identity.issue_token(DEMO_EMAIL, ttl=TOKEN_TTL, label="billpay demo")
    _write_private(path, token)
    return token, True


def _write_private(path: Path, text: str) -> None:
    """Create the file 0600 from the start (no window in which another user could read it), then replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    tmp.replace(path)
