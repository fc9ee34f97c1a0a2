"""Opening a file for the window, off the GUI thread, without writing to what is not a queue.

The file is first opened read-only: a non-SQLite, corrupt, foreign or newer-schema file is
told apart before anything could write to it. Only a real queue is then opened read-write
(which runs this app's additive migrations, reporting their progress through ``upgrading`` and
stopping when cancelled); a locked or unwritable file opens read-only with the reason, so write
actions can say why they are disabled.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from prismq_desktop.core import (
    MigrationCancelledError,
    Queue,
    QueueBusyError,
    QueueDatabaseError,
    QueueSchemaError,
)
from prismq_desktop.core.locations import MigrationProgress, location_of, redacted


@dataclass(frozen=True)
class Opened:
    path: str | Path
    #: Why writes are refused ("" when the file is writable).
    read_only_reason: str
    #: Made by ``prismq-desktop demo`` (the window says so, so nobody mistakes it for theirs).
    demo: bool = False


class OpenFailed(Exception):
    """The file cannot be shown; ``empty`` (an empty database) or ``missing`` (no file yet)
    when creating the queue there is what the user may want; ``cancelled`` when the user
    stopped its upgrade (the file is as it was)."""

    def __init__(self, message: str, empty: bool = False, missing: bool = False,
                 cancelled: bool = False) -> None:
        super().__init__(message)
        self.empty = empty
        self.missing = missing
        self.cancelled = cancelled


def open_file(path: str | Path, create: bool = False,
              progress: MigrationProgress | None = None) -> Opened:
    """Runs in a background thread; raises OpenFailed with a one-line message.
    ``progress`` hears how an upgrade for this version goes and may stop it."""
    path = location_of(path)
    if isinstance(path, Path):
        path = path.expanduser()
    try:
        if create:
            Queue.open(path, create=True).close()
            return Opened(path, "")
        if isinstance(path, Path) and not path.exists():
            raise OpenFailed(f"{path} does not exist", missing=True)
        return _check_then_open(path, progress)
    except OpenFailed:
        raise
    except MigrationCancelledError as exc:
        raise OpenFailed(str(exc), cancelled=True) from exc
    except QueueSchemaError as exc:
        # A server without the queue's schema: offer to create it, as for a missing file.
        raise OpenFailed(str(exc), empty=_is_empty(path, exc),
                         missing=not isinstance(path, Path)) from exc
    except QueueDatabaseError as exc:
        raise OpenFailed(str(exc), empty=_is_empty(path, exc)) from exc


def _check_then_open(path: str | Path, progress: MigrationProgress | None) -> Opened:
    with Queue.open(path, read_only=True) as look:
        demo = look.is_demo()
        if look.newer_schema:
            return Opened(path, look.read_only_reason, demo)
    try:
        with Queue.open(path, create=False, progress=progress) as queue:
            return Opened(path, queue.read_only_reason, demo)
    except QueueBusyError as exc:
        return Opened(path, f"the file is locked by another process; reopen it to write ({exc})",
                      demo)


def _is_empty(path: str | Path, error: Exception) -> bool:
    if not isinstance(path, Path):
        return False
    try:
        size = path.stat().st_size if path.is_file() else -1
    except OSError:
        return False
    return size == 0 or "empty database" in str(error)


class Opener(QObject):
    """Runs ``open_file`` on a short-lived thread and reports on the GUI thread."""

    opened = Signal(object)
    failed = Signal(object)
    #: The file is being upgraded for this version: the fraction done (0 to 1).
    upgrading = Signal(float)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    def start(self, path: str | Path, create: bool = False) -> None:
        self._stop = stop = threading.Event()
        thread = threading.Thread(target=self._run, args=(path, create, stop),
                                  name="prismq-open", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def cancel(self) -> None:
        """Stop the upgrade of the file being opened (the file stays as it was)."""
        self._stop.set()

    def _run(self, path: str | Path, create: bool, stop: threading.Event) -> None:
        def progress(fraction: float) -> bool:
            self.upgrading.emit(fraction)
            return not stop.is_set()

        try:
            self.opened.emit(open_file(path, create, progress))
        except OpenFailed as exc:
            self.failed.emit(exc)
        # Never a dead thread: the window shows what happened.
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            self.failed.emit(OpenFailed(f"could not open {redacted(path)}: "
                                        f"{type(exc).__name__}: {exc}"))

    def wait(self, timeout: float = 10.0) -> None:
        for thread in self._threads:
            thread.join(timeout)

