"""The Qt-free core: the only place that holds SQL (DESIGN §2, §5)."""

from prismq_desktop.core.errors import (
    InvalidTransitionError,
    QueueBusyError,
    QueueDatabaseError,
    QueueSchemaError,
    ReadOnlyError,
    TaskNotFoundError,
    ValidationError,
)
from prismq_desktop.core.models import Task, TaskLog, TaskStatus, Worker
from prismq_desktop.core.queue import Queue
from prismq_desktop.core.search import SearchSyntaxError
from prismq_desktop.core.sqlite.database import QueueDatabase, default_db_path
from prismq_desktop.core.sqlite.opening import open_queue
from prismq_desktop.core.sqlite.reads import TaskQuery

__all__ = [
    "InvalidTransitionError", "Queue", "QueueBusyError", "QueueDatabase", "QueueDatabaseError",
    "QueueSchemaError", "ReadOnlyError", "SearchSyntaxError", "Task", "TaskLog",
    "TaskNotFoundError", "TaskQuery", "TaskStatus", "ValidationError", "Worker",
    "default_db_path", "open_queue",
]
