"""The ``shell`` handler: run a program from an argv list, streaming its output into the log.

Anyone who can write the queue file can enqueue a shell task, so the handler refuses to run
unless the worker was started with shell enabled, never goes through a shell (argv only), can
be limited to an allow-list of programs, and kills the whole process group on cancel or
timeout so no grandchild outlives the task (DESIGN §10).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from typing import IO, Any

from prismq_desktop.worker.context import PermanentError, TaskContext

MAX_LOG_LINES = 5000
MAX_LINE_CHARS = 10_000
KILL_GRACE_SECONDS = 2.0
STRAY_OUTPUT_SECONDS = 1.0
_EOF = None


def run_shell(ctx: TaskContext) -> dict[str, Any]:
    """``{"argv": [...], "cwd": ..., "timeout": seconds}``."""
    if not ctx.worker.allow_shell:
        raise PermanentError("shell tasks are disabled on this worker (see --allow-shell)")
    argv, cwd, timeout = _arguments(ctx.payload)
    argv = [_allowed_program(argv[0], ctx.worker.shell_programs), *argv[1:]]
    try:
        proc = subprocess.Popen(
            argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=os.name == "posix",
        )
    except OSError as exc:
        raise PermanentError(f"cannot start {argv[0]!r}: {exc.strerror or exc}") from exc
    ctx.log("INFO", f"started pid {proc.pid}: {' '.join(argv)}", pid=proc.pid, argv=argv)
    outcome = _follow(ctx, proc, timeout)
    if outcome == "timeout":
        raise RuntimeError(f"{argv[0]} timed out after {timeout:g} s and was killed")
    if outcome == "cancelled":
        return {"returncode": proc.returncode, "stopped": True}
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited with status {proc.returncode}")
    return {"returncode": 0}


def _arguments(payload: dict[str, Any]) -> tuple[list[str], str | None, float | None]:
    argv = payload.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise PermanentError("shell: 'argv' must be a non-empty list of strings (no shell string)")
    cwd = payload.get("cwd")
    if cwd is not None and (not isinstance(cwd, str) or not os.path.isdir(cwd)):
        raise PermanentError(f"shell: 'cwd' {cwd!r} is not a directory")
    timeout = payload.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not timeout > 0):
        raise PermanentError(f"shell: 'timeout' must be a positive number, not {timeout!r}")
    return argv, cwd, None if timeout is None else float(timeout)


def _allowed_program(program: str, allowed: tuple[str, ...] | None) -> str:
    """The program to run; with an allow-list, its resolved path, compared with the list's.

    Running the resolved path means the program checked is the program run, and a
    ``/tmp/x/ls`` never passes an allow-list naming ``ls``.
    """
    if allowed is None:
        return program
    found = shutil.which(program)
    permitted = {shutil.which(name) for name in allowed} - {None}
    if found is None or found not in permitted:
        raise PermanentError(f"shell: program {program!r} is not in this worker's allow-list")
    return found


def _follow(ctx: TaskContext, proc: subprocess.Popen[bytes], timeout: float | None) -> str:
    """Log output lines as they come until the program ends, is cancelled or times out."""
    lines: queue.Queue[tuple[str, str] | None] = queue.Queue()
    readers = [_reader(proc.stdout, "stdout", lines), _reader(proc.stderr, "stderr", lines)]
    sink = _LineSink(ctx)
    deadline = None if timeout is None else time.monotonic() + timeout
    open_streams, outcome, exited_at = len(readers), "done", None
    while open_streams:
        if outcome == "done" and (ctx.cancelled or _past(deadline)):
            outcome = "cancelled" if ctx.cancelled else "timeout"
            _kill_group(proc)
        if exited_at is None and proc.poll() is not None:
            exited_at = time.monotonic()
        elif exited_at is not None and time.monotonic() - exited_at > STRAY_OUTPUT_SECONDS:
            _kill_group(proc)  # a background child kept the pipes open after the program ended
            break
        try:
            item = lines.get(timeout=0.05)
        except queue.Empty:
            continue
        if item is _EOF:
            open_streams -= 1
        else:
            sink.write(*item)
    proc.wait()
    sink.close()
    return outcome


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


class _LineSink:
    """Writes output lines to the task log, up to a cap (a chatty program must not flood it)."""

    def __init__(self, ctx: TaskContext) -> None:
        self.ctx, self.logged, self.dropped = ctx, 0, 0

    def write(self, stream: str, text: str) -> None:
        if self.logged >= MAX_LOG_LINES:
            self.dropped += 1
            return
        self.ctx.log("WARNING" if stream == "stderr" else "INFO", text, stream=stream)
        self.logged += 1

    def close(self) -> None:
        if self.dropped:
            self.ctx.log("WARNING", f"{self.dropped} more output lines were not logged")


def _reader(stream: IO[bytes] | None, name: str,
            lines: queue.Queue[tuple[str, str] | None]) -> threading.Thread:
    def pump() -> None:
        if stream is not None:
            with stream:
                for raw in stream:
                    text = raw.decode("utf-8", "replace").rstrip("\r\n")
                    lines.put((name, text[:MAX_LINE_CHARS]))
        lines.put(_EOF)

    thread = threading.Thread(target=pump, name=f"shell-{name}", daemon=True)
    thread.start()
    return thread


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """TERM the process group, then KILL it if it is still there after a grace period."""
    if os.name != "posix":
        proc.kill()
        return
    for sig, grace in ((signal.SIGTERM, KILL_GRACE_SECONDS), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(grace)
            _killpg_quietly(proc.pid)
            break
        except subprocess.TimeoutExpired:
            continue


def _killpg_quietly(pgid: int) -> None:
    """The leader exited on TERM; make sure none of its group is left behind."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
