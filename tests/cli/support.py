"""Helpers shared by the command-line tests: results, one-line errors, file snapshots."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ERROR_PREFIX = "prismq-desktop: error: "


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def assert_one_line_error(result: Result, code: int, fragment: str) -> None:
    """The contract for every failure: that exit code, one stderr line, no traceback."""
    assert result.code == code, (result.code, result.out, result.err)
    assert result.err.startswith(ERROR_PREFIX), result.err
    assert result.err.count("\n") == 1 and result.err.endswith("\n"), result.err
    assert "Traceback" not in result.err + result.out
    assert fragment.lower() in result.err.lower(), result.err


def snapshot(path: Path) -> tuple[str | None, int]:
    """(sha256 of the file or None if missing, bytes in its WAL): what a write would change.

    A read-only SQLite connection may leave an empty ``-wal`` behind; an empty WAL holds no
    change, so only its size counts.
    """
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    wal = Path(str(path) + "-wal")
    return digest, wal.stat().st_size if wal.exists() else 0
