"""The API's bearer tokens, kept in an owner-only file so they survive restarts.

The file is made on first use with two random tokens: a full one and a read-only one (GET
only). It is created 0600 (its folder 0700) before anything is written into it, and never
widened afterwards; a token given on the command line or in ``PRISMQ_API_TOKEN`` replaces the
full one for that run without touching the file.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from prismq_desktop.paths import user_data_dir

ENV_TOKEN = "PRISMQ_API_TOKEN"
FILE_NAME = "api-tokens.json"


@dataclass(frozen=True)
class Tokens:
    full: str
    read_only: str


def default_token_file() -> Path:
    return user_data_dir() / FILE_NAME


def load_tokens(path: Path | None = None, full: str | None = None) -> Tokens:
    """The tokens in ``path`` (made when missing); ``full`` (or $PRISMQ_API_TOKEN) overrides
    the full token. Raises ValueError for a file that is not ours to read."""
    path = path or default_token_file()
    if not path.exists():
        _create(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = Tokens(str(data["token"]), str(data["read_only_token"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a token file ({exc}); delete it to make a new one") \
            from exc
    override = full or os.environ.get(ENV_TOKEN)
    return Tokens(override, stored.read_only) if override else stored


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = json.dumps({"token": secrets.token_urlsafe(32),
                       "read_only_token": secrets.token_urlsafe(32)}, indent=2)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:  # another process made it meanwhile: use theirs
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
