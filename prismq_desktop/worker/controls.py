"""Obeying an operator's request, read with each heartbeat (DESIGN §14).

``quiet``: claim nothing more, keep running what is running. ``stop``: the same, and the
process exits once its running tasks have finished (``WorkerEngine.exit_requested``). Either
is acknowledged in the control row, so the Workers tab can show that the worker obeys.
"""

from __future__ import annotations

from prismq_desktop.worker import events
from prismq_desktop.worker.runtime import Runtime


def obey(rt: Runtime) -> None:
    worker_id = rt.settings.worker_id
    control = rt.queue.worker_control(worker_id)
    if control is None or control.acknowledged is not None:
        return
    rt.quiet.set()
    running = len(rt.contexts())
    if control.action == "stop":
        rt.exit_requested.set()
        message = f"asked to stop: finishing {running} running task(s), then exiting"
    else:
        message = f"asked to quiet: claiming no more tasks ({running} still running)"
    rt.queue.acknowledge_worker_control(worker_id, control.action)
    rt.emit(events.CONTROL, message, action=control.action)
    rt.waker.wake()
