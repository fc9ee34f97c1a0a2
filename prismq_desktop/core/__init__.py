"""The Qt-free core: the ``Queue`` facade and the backend-neutral domain (DESIGN §2, §5).

Front ends (GUI, worker, CLI, HTTP API) use the names exported here, ``Queue``'s methods and
the public modules ``models``, ``errors``, ``timeutil``, ``search``, ``query``, ``claims``,
``reports``, ``bulk``, ``editing``, ``resultset``, ``stats_types``, ``stats``, ``notify``,
``validation``, ``locations``, ``compat`` and ``store``; never ``core.sqlite`` or ``core.postgres``.
"""

from prismq_desktop.core import notify
from prismq_desktop.core.bulk import ACTIONS, BulkResult
from prismq_desktop.core.claims import STRATEGIES
from prismq_desktop.core.editing import refusal as edit_refusal
from prismq_desktop.core.errors import (
    InvalidTransitionError,
    MigrationCancelledError,
    QueueBusyError,
    QueueConnectionError,
    QueueDatabaseError,
    QueueSchemaError,
    ReadOnlyError,
    TaskNotFoundError,
    ValidationError,
)
from prismq_desktop.core.locations import (
    DEFAULT_BUSY_TIMEOUT_MS,
    backend_versions,
    default_db_path,
    versions_text,
)
from prismq_desktop.core.models import RawText, Task, TaskLog, TaskStatus, Worker
from prismq_desktop.core.query import (
    ACTIVE_FILTER,
    SCHEDULED,
    SORT_FIELDS,
    STUCK_FILTER,
    TaskQuery,
)
from prismq_desktop.core.queue import Queue
from prismq_desktop.core.reports import (
    STALE_AFTER_SECONDS,
    FileHealth,
    QueueHealth,
    QueueSummary,
    Run,
    TaskDetails,
    WorkerRow,
    WorkersOverview,
)
from prismq_desktop.core.resultset import ResultSet
from prismq_desktop.core.schedules import (
    CATCH_UP,
    CONTROL_ACTIONS,
    CronError,
    Schedule,
    ScheduleNotFoundError,
    WorkerControl,
    local_zone_name,
    new_schedule,
)
from prismq_desktop.core.search import SearchSyntaxError
from prismq_desktop.core.sqlite.database import QueueDatabase
from prismq_desktop.core.storable import safe_str
from prismq_desktop.core.store import Store

__all__ = [
    "ACTIONS",
    "ACTIVE_FILTER",
    "CATCH_UP",
    "CONTROL_ACTIONS",
    "DEFAULT_BUSY_TIMEOUT_MS",
    "SCHEDULED",
    "SORT_FIELDS",
    "STALE_AFTER_SECONDS",
    "STRATEGIES",
    "STUCK_FILTER",
    "BulkResult",
    "CronError",
    "FileHealth",
    "InvalidTransitionError",
    "MigrationCancelledError",
    "Queue",
    "QueueBusyError",
    "QueueConnectionError",
    "QueueDatabase",
    "QueueDatabaseError",
    "QueueHealth",
    "QueueSchemaError",
    "QueueSummary",
    "RawText",
    "ReadOnlyError",
    "ResultSet",
    "Run",
    "Schedule",
    "ScheduleNotFoundError",
    "SearchSyntaxError",
    "Store",
    "Task",
    "TaskDetails",
    "TaskLog",
    "TaskNotFoundError",
    "TaskQuery",
    "TaskStatus",
    "ValidationError",
    "Worker",
    "WorkerControl",
    "WorkerRow",
    "WorkersOverview",
    "backend_versions",
    "default_db_path",
    "edit_refusal",
    "local_zone_name",
    "new_schedule",
    "notify",
    "safe_str",
    "versions_text",
]
