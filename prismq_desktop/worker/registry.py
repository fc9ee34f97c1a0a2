"""Which function runs which task type: the registries and the ``@handler`` decorator.

A queue shared with other workers may hold types meant for them, so an engine claims only
the types its registry knows. Registering one type twice is an error, never a silent
replacement: which handler ran would otherwise depend on import order.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prismq_desktop.worker.context import TaskContext

Handler = Callable[["TaskContext"], Any]
#: Attribute the decorator leaves on a function, so an already imported module can be scanned.
MARK = "__prismq_handler_types__"
#: Name prefix of modules loaded from a ``.py`` path (see loading.py).
FILE_MODULE_PREFIX = "prismq_handlers_"


class HandlerLoadError(Exception):
    """A handler module could not be loaded, or a type was registered twice (one-line message)."""


def _origin(fn: Handler) -> str:
    """``module.function``, or ``file.py:function`` for a module loaded from a file path."""
    module = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", repr(fn))
    code = getattr(fn, "__code__", None)
    if module.startswith(FILE_MODULE_PREFIX) and code is not None:
        return f"{code.co_filename}:{name}"
    return f"{module}.{name}"


class HandlerRegistry:
    """A mapping of task type to handler; ``default_registry`` is the one ``@handler`` fills."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, task_type: str, fn: Handler) -> Handler:
        """Add one handler; the same function again is a no-op, another one is an error."""
        if not isinstance(task_type, str) or not task_type.strip():
            raise HandlerLoadError("a handler's task type must be a non-empty string")
        if not callable(fn):
            raise HandlerLoadError(f"handler for {task_type!r} is not callable")
        existing = self._handlers.get(task_type)
        if existing is not None and _origin(existing) != _origin(fn):
            raise HandlerLoadError(
                f"task type {task_type!r} is registered twice: by {_origin(existing)} "
                f"and by {_origin(fn)}"
            )
        self._handlers[task_type] = fn
        return fn

    def handler(self, task_type: str) -> Callable[[Handler], Handler]:
        """Decorator registering the function for ``task_type`` in this registry."""

        def decorate(fn: Handler) -> Handler:
            self.register(task_type, fn)
            return _marked(fn, task_type)

        return decorate

    def merge(self, other: HandlerRegistry) -> None:
        """Add every handler of ``other``, all or none (a conflict changes nothing)."""
        staged = dict(self._handlers)
        trial = HandlerRegistry()
        trial._handlers = staged
        for task_type, fn in other.items():
            trial.register(task_type, fn)
        self._handlers = staged

    def get(self, task_type: str) -> Handler | None:
        return self._handlers.get(task_type)

    def types(self) -> tuple[str, ...]:
        return tuple(sorted(self._handlers))

    def items(self) -> Iterator[tuple[str, Handler]]:
        return iter(list(self._handlers.items()))

    def copy(self) -> HandlerRegistry:
        clone = HandlerRegistry()
        clone._handlers = dict(self._handlers)
        return clone

    def __contains__(self, task_type: object) -> bool:
        return task_type in self._handlers

    def __len__(self) -> int:
        return len(self._handlers)

    def __repr__(self) -> str:
        return f"HandlerRegistry({', '.join(self.types())})"


def _marked(fn: Handler, task_type: str) -> Handler:
    try:
        setattr(fn, MARK, (*getattr(fn, MARK, ()), task_type))
    except (AttributeError, TypeError):  # builtins and some callables refuse attributes
        pass
    return fn


default_registry = HandlerRegistry()
#: Where ``@handler`` registers: the default registry, or a staging one while loading a module.
_target: contextvars.ContextVar[HandlerRegistry] = contextvars.ContextVar(
    "prismq_handler_target", default=default_registry
)


def handler(task_type: str) -> Callable[[Handler], Handler]:
    """``@handler("resize_image")``: register the function for that task type."""

    def decorate(fn: Handler) -> Handler:
        _target.get().register(task_type, fn)
        return _marked(fn, task_type)

    return decorate


def registering_into(registry: HandlerRegistry) -> contextvars.Token[HandlerRegistry]:
    """Send ``@handler`` registrations to ``registry`` until ``_target.reset(token)``."""
    return _target.set(registry)


def reset_target(token: contextvars.Token[HandlerRegistry]) -> None:
    _target.reset(token)
