"""Which worker may run which task: a task's ``compatibility`` against a worker's capabilities.

The rule (DESIGN §6), the same on every backend: a task whose compatibility is a JSON object
runs on a worker whose capabilities hold the same value for every key it names, so ``{}`` runs
anywhere and a worker that declares nothing runs only those. Values are the same when they
have the same JSON type and value (numbers compare as numbers, ``true`` is not ``1``). A
compatibility that is not a JSON object (text other tools wrote) names nothing a worker can
check, so no worker of this app claims it; the GUI marks such a task as one nothing will run.

Backends put the rule in their claim SQL; this module holds the Python reading of it (the
GUI's marks, the command line's ``--capability`` values) and the tests hold both to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from prismq_desktop.core.errors import ValidationError

#: The key of ``workers.capabilities`` that lists the task types a worker handles
#: (core/unhandled.py); not a capability a worker can declare.
TYPES_KEY = "types"


def compatible(capabilities: Mapping[str, Any], compatibility: Any) -> bool:
    """True when a worker with ``capabilities`` may claim a task with ``compatibility``
    (its stored text, or an already parsed value)."""
    if compatibility == "{}":
        return True
    wanted = _loads(compatibility) if isinstance(compatibility, (str, bytes)) else compatibility
    if not isinstance(wanted, dict):
        return False
    return all(key in capabilities and same_value(capabilities[key], value)
               for key, value in wanted.items())


def same_value(have: Any, want: Any) -> bool:
    """JSON equality: booleans are not numbers, 1 and 1.0 are the same number."""
    if isinstance(have, bool) or isinstance(want, bool):
        return type(have) is type(want) and have == want
    if isinstance(have, (int, float)) and isinstance(want, (int, float)):
        return have == want
    if isinstance(have, dict) and isinstance(want, dict):
        return have.keys() == want.keys() and all(same_value(have[k], want[k]) for k in have)
    if isinstance(have, list) and isinstance(want, list):
        return len(have) == len(want) and all(map(same_value, have, want))
    return type(have) is type(want) and have == want


def _loads(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def parse_capabilities(pairs: Iterable[str] = (), json_text: str | None = None) -> dict[str, Any]:
    """A worker's capabilities from ``--capabilities JSON`` and ``--capability KEY=VALUE``
    (repeatable; later keys win). A value is read as JSON when it is JSON (``gpu=true``,
    ``ram=64``), else as text (``region=eu``). Raises ValidationError for bad input."""
    capabilities: dict[str, Any] = {}
    if json_text is not None and json_text.strip():
        value = _loads(json_text)
        if not isinstance(value, dict):
            raise ValidationError('capabilities must be a JSON object, e.g. {"gpu": true}')
        capabilities.update(value)
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValidationError(f"capability {pair!r} is not KEY=VALUE, e.g. gpu=true")
        value = _loads(raw.strip())
        capabilities[key] = raw.strip() if value is None and raw.strip() != "null" else value
    if TYPES_KEY in capabilities:
        raise ValidationError(f'"{TYPES_KEY}" is not a capability: the task types a worker '
                              "runs come from its handlers")
    return capabilities


def checked(capabilities: Mapping[str, Any] | None) -> dict[str, Any]:
    """Capabilities given as a dict (the engine's argument), checked as the command line's are:
    a JSON object, without the reserved ``types`` key."""
    if capabilities is None:
        return {}
    if not isinstance(capabilities, Mapping):
        raise ValidationError('capabilities must be a JSON object, e.g. {"gpu": true}')
    try:
        text = json.dumps(dict(capabilities), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"capabilities cannot be stored as JSON: {exc}") from None
    return parse_capabilities(json_text=text)


def capabilities_from_text(text: str) -> dict[str, Any]:
    """What a user typed in one field: a JSON object, or KEY=VALUE pairs apart by spaces or
    commas (``gpu=true, region=eu``)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return parse_capabilities(json_text=stripped)
    return parse_capabilities(stripped.replace(",", " ").split())


def describe(capabilities: Mapping[str, Any]) -> str:
    """``gpu=true region=eu``: the KEY=VALUE form the command line and the GUI take."""
    return " ".join(f"{key}={_text(value)}" for key, value in capabilities.items())


def _text(value: Any) -> str:
    return value if isinstance(value, str) and _loads(value) is None and value \
        else json.dumps(value, ensure_ascii=False)
