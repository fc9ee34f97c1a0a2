"""Progress and a way to stop for this app's migrations (issue 12: a 1M-task file takes
seconds to back-fill its aggregates).

The migration runs in the one ``BEGIN IMMEDIATE`` of :meth:`QueueDatabase.initialize_schema`;
a :class:`Meter` on its connection counts SQLite's VM steps through apsw's progress handler
and turns them into a fraction against an estimate from the file's task counts. When the
caller's ``progress(fraction)`` returns False the handler interrupts the running statement,
the transaction rolls back and the file is exactly as before; the open then raises
:class:`MigrationCancelledError`. The handler runs Python every few thousand steps, so Ctrl+C
in the command line also stops a long statement at once (KeyboardInterrupt, rolled back the
same way).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence

import apsw

from prismq_desktop.core.errors import MigrationCancelledError
from prismq_desktop.core.locations import MigrationProgress

#: VM steps per task each migration takes (measured on 20k–100k tasks: steps grow linearly):
#: ``(per task, more per finished task)``; migration 5 back-fills events for finished tasks.
#: A migration not listed counts as DDL only (tests/sqlite/test_migration_progress.py
#: catches one that is not).
STEPS_PER_TASK: tuple[tuple[int, int], ...] = ((40, 0), (15, 0), (0, 0), (0, 0), (160, 600),
                                               (3, 0), (0, 0))
#: The aggregates' rebuild after a copy (aggregates.REBUILD): the back-fill of migration 5.
REBUILD_STEPS = STEPS_PER_TASK[4]
#: A migration's own DDL, whatever the file holds.
FIXED_STEPS = 20_000
#: How often (in VM steps) the handler runs: ~0.3 ms apart, ~1 % of the migration's time.
TICK_STEPS = 10_000
#: Report at most this often unless the fraction moved by REPORT_STEP.
REPORT_EVERY_S, REPORT_STEP = 0.1, 0.001
#: While another process holds the write lock and the file needs a migration, it is most
#: likely migrating it: wait this long for it (not just the busy timeout), then find it done.
LOCK_WAIT_S = 600.0
_WAIT_TICK_S = 0.02
_FINISHED = "status NOT IN ('queued', 'leased', 'processing')"
TASK_COUNTS = f"SELECT count(*), count(*) FILTER (WHERE {_FINISHED}) FROM task_queue"
STOPPED = ("upgrading the file for this version was stopped; it was left exactly as it was"
           " (open it again to upgrade it)")


def expected_steps(conn: apsw.Connection, versions: Sequence[int], rebuild: bool) -> list[int]:
    """The estimated VM steps of each stage: migrations ``versions`` (0-based), then the
    rebuild of the aggregates if ``rebuild``."""
    tasks, finished = (int(n) for n in conn.execute(TASK_COUNTS).fetchall()[0])  # type: ignore[arg-type]
    costs = [STEPS_PER_TASK[v] if v < len(STEPS_PER_TASK) else (0, 0) for v in versions]
    if rebuild:
        costs.append(REBUILD_STEPS)
    return [FIXED_STEPS + per * tasks + more * finished for per, more in costs]


class Meter:
    """Turns the VM steps of a migration's stages into a monotonic fraction for
    ``progress``, and its answer False into an interrupt.

    Each stage counts up to its own estimate and no further, so a stage that takes longer
    than estimated holds its share until it ends, and one that is quicker gives up the rest
    when the next starts: the fraction never goes back and never runs ahead of the work.
    """

    def __init__(self, progress: MigrationProgress | None) -> None:
        self.progress = progress
        self.ran = False
        self.stopped = False
        self._stages: list[int] = []
        self._stage = -1
        self._before = 0  # estimated steps of the finished stages
        self._ticks = 0  # handler calls in the current stage
        self._reported, self._reported_at = 0.0, 0.0

    @contextlib.contextmanager
    def running(self, conn: apsw.Connection, versions: Sequence[int],
                rebuild: bool) -> Iterator[Meter]:
        """Meter the block's stages on ``conn`` when there are any (an up-to-date file costs
        nothing: no count, no handler). Raises MigrationCancelledError once stopped."""
        if not versions and not rebuild:
            yield self
            return
        self._stages = expected_steps(conn, versions, rebuild)
        self.ran = True
        conn.set_progress_handler(self._tick, TICK_STEPS)
        try:
            self._report(0.0, force=True)
            yield self
        except apsw.InterruptError as exc:
            if not self.stopped:
                raise
            raise MigrationCancelledError(STOPPED) from exc
        finally:
            conn.set_progress_handler(None)
        if self.stopped:  # asked to stop after the last step: still nothing is kept
            raise MigrationCancelledError(STOPPED)

    def next_stage(self) -> None:
        """The next stage starts (the first call starts the first)."""
        if 0 <= self._stage < len(self._stages):
            self._before += self._stages[self._stage]
        self._stage += 1
        self._ticks = 0

    def committed(self) -> None:
        """The migration is in the file: report 1.0 (when one ran)."""
        if self.ran and self.progress is not None:
            self.progress(1.0)

    @property
    def fraction(self) -> float:
        total = max(sum(self._stages), 1)
        current = self._stages[self._stage] if 0 <= self._stage < len(self._stages) else 0
        return min((self._before + min(self._ticks * TICK_STEPS, current)) / total, 1.0)

    def _tick(self) -> bool:
        """apsw's progress handler: True interrupts the running statement."""
        self._ticks += 1
        return not self._report(self.fraction)

    def _report(self, fraction: float, force: bool = False) -> bool:
        """Pass the fraction on (throttled); False once the caller asked to stop."""
        if self.progress is None or self.stopped:
            return not self.stopped
        now = time.monotonic()
        if force or fraction - self._reported >= REPORT_STEP \
                or now - self._reported_at >= REPORT_EVERY_S:
            self._reported, self._reported_at = max(fraction, self._reported), now
            self.stopped = self.progress(self._reported) is False
        return not self.stopped


@contextlib.contextmanager
def patient(conn: apsw.Connection, migrating: bool, busy_timeout_ms: int,
            progress: MigrationProgress | None) -> Iterator[None]:
    """While the block takes the write lock to migrate, wait up to LOCK_WAIT_S (or the busy
    timeout, if longer) for another process, which most likely is migrating the file itself
    (then this one finds the work done); ``progress(0.0)`` now and then lets the wait stop."""
    if not migrating:
        yield
        return
    deadline = time.monotonic() + max(busy_timeout_ms / 1000, LOCK_WAIT_S)
    asked = [0.0]

    def wait(_count: int) -> bool:
        now = time.monotonic()
        if now >= deadline:
            return False
        if progress is not None and now - asked[0] >= REPORT_EVERY_S:
            asked[0] = now
            if progress(0.0) is False:
                raise MigrationCancelledError(STOPPED)
        time.sleep(_WAIT_TICK_S)
        return True

    conn.set_busy_handler(wait)
    try:
        yield
    finally:
        conn.set_busy_timeout(busy_timeout_ms)
