"""How a log row's level and details are stored, the same on every backend."""

from __future__ import annotations

import json
from typing import Any

from prismq_desktop.core.storable import storable

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def details_json(details: dict[str, Any] | None) -> str | None:
    """Details as canonical JSON; values JSON cannot hold are stored readably (Queue notes
    them in the log; here they are only made safe to write)."""
    if not details:
        return None
    return json.dumps(storable(details)[0], ensure_ascii=False, allow_nan=False)


def normalize_level(level: str) -> str:
    upper = str(level).upper()
    return "WARNING" if upper == "WARN" else upper if upper in LEVELS else "INFO"
