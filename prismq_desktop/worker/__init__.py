"""The Qt-free worker: engine threads, handler registry, built-in handlers (DESIGN §6)."""

from prismq_desktop.worker import builtins as _builtins  # noqa: F401  (registers built-ins)
from prismq_desktop.worker.context import PermanentError, TaskCancelled, TaskContext, WorkerInfo
from prismq_desktop.worker.engine import WorkerEngine
from prismq_desktop.worker.events import EngineCounters, EngineEvent, RunningTask
from prismq_desktop.worker.loading import (
    ENTRY_POINT_GROUP,
    default_handlers,
    load_entry_points,
    load_handlers,
)
from prismq_desktop.worker.registry import (
    HandlerLoadError,
    HandlerRegistry,
    default_registry,
    handler,
)

__all__ = [
    "ENTRY_POINT_GROUP", "EngineCounters", "EngineEvent", "HandlerLoadError", "HandlerRegistry",
    "PermanentError", "RunningTask", "TaskCancelled", "TaskContext", "WorkerEngine",
    "WorkerInfo", "default_handlers", "default_registry", "handler", "load_entry_points",
    "load_handlers",
]
