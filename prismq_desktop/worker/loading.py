"""Loading handler modules: ``--handlers pkg.mod`` or ``--handlers ./file.py``, and plugins.

Each module is imported with ``@handler`` pointed at a staging registry, then merged into the
target all at once, so a module that fails half way or clashes with a known type adds nothing.
Every failure becomes a one-line :class:`HandlerLoadError`, never a traceback for the user.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import threading
import types
from importlib import metadata
from pathlib import Path

from prismq_desktop.worker.registry import (
    FILE_MODULE_PREFIX,
    MARK,
    HandlerLoadError,
    HandlerRegistry,
    default_registry,
    registering_into,
    reset_target,
)

ENTRY_POINT_GROUP = "prismq_desktop.handlers"
_plugins_lock = threading.Lock()
_plugin_errors: list[str] | None = None


def load_handlers(spec: str, registry: HandlerRegistry | None = None) -> tuple[str, ...]:
    """Import a module by dotted name or ``.py`` path and register its handlers.

    Returns the task types it added (or had registered already).
    """
    target = registry if registry is not None else default_registry
    staging = HandlerRegistry()
    token = registering_into(staging)
    try:
        module = _import(spec)
    finally:
        reset_target(token)
    if not len(staging):
        _collect_marked(module, staging)
    try:
        target.merge(staging)
    except HandlerLoadError as exc:
        raise HandlerLoadError(f"{spec}: {exc}") from exc
    return staging.types()


def _import(spec: str) -> types.ModuleType:
    try:
        if spec.endswith(".py") or "/" in spec or "\\" in spec:
            return _import_file(Path(spec))
        return importlib.import_module(spec)
    except HandlerLoadError as exc:
        raise HandlerLoadError(f"{spec}: {exc}") from exc
    except ModuleNotFoundError as exc:
        raise HandlerLoadError(f"cannot load handlers {spec!r}: no module named {exc.name!r}") \
            from exc
    except BaseException as exc:  # any error inside someone else's module, SystemExit included
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise HandlerLoadError(
            f"cannot load handlers {spec!r}: {type(exc).__name__}: {_one_line(exc)}"
        ) from exc


def _import_file(path: Path) -> types.ModuleType:
    """Import a file under a name derived from its absolute path (loaded once per process)."""
    if not path.is_file():
        raise HandlerLoadError(f"no such file: {path}")
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:10]
    name = f"{FILE_MODULE_PREFIX}{resolved.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, resolved)
    if module_spec is None or module_spec.loader is None:
        raise HandlerLoadError(f"cannot import {path} as a Python module")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _collect_marked(module: types.ModuleType, staging: HandlerRegistry) -> None:
    """For a module imported earlier: register the handlers it defines itself."""
    for value in list(vars(module).values()):
        if getattr(value, "__module__", None) != module.__name__:
            continue
        for task_type in getattr(value, MARK, ()):
            staging.register(task_type, value)


def load_entry_points(registry: HandlerRegistry | None = None,
                      group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Load every installed plugin of the group; returns one message per plugin that failed.

    An entry point names a module holding ``@handler`` functions. A broken plugin is reported,
    not fatal: the other handlers still work.
    """
    errors: list[str] = []
    for entry in metadata.entry_points(group=group):
        try:
            load_handlers(entry.value.split(":")[0], registry)
        except HandlerLoadError as exc:
            errors.append(f"plugin {entry.name!r}: {exc}")
    return errors


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "(no message)"


def default_handlers() -> HandlerRegistry:
    """The default registry: built-ins, ``@handler`` functions, and (loaded once) plugins."""
    global _plugin_errors
    import prismq_desktop.worker.builtins  # noqa: F401  (registers the built-ins)

    with _plugins_lock:
        if _plugin_errors is None:
            _plugin_errors = load_entry_points(default_registry)
    return default_registry


def plugin_errors() -> list[str]:
    """Why installed plugins failed to load (reported by each engine at start)."""
    return list(_plugin_errors or [])
