"""Whatever a handler returns or raises is recorded (issue 17 item 1): values canonical JSON
or UTF-8 cannot hold are stored in a lossless, readable form with a note in the log, and the
transition never fails over them (DESIGN §10: a task runs again only when its worker died)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from prismq_desktop.core import Queue

SURROGATE_PATH = os.fsdecode(b"/data/caf\xe9\\x.csv")  # 'caf\udce9\\x.csv'


class Opaque:
    def __repr__(self) -> str:
        return "Opaque(1)"


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no")


def _cycle() -> list[Any]:
    loop: list[Any] = [1]
    loop.append(loop)
    return loop


RESULTS = [
    (float("nan"), "NaN", "NaN stored as the string 'NaN'"),
    ({"ratio": float("inf"), "low": -float("inf")}, {"ratio": "Infinity", "low": "-Infinity"},
     "$.ratio: Infinity"),
    (SURROGATE_PATH, "/data/caf\\xe9\\\\x.csv", "undecodable bytes stored escaped"),
    ({(1, 2): "pair"}, {"(1, 2)": "pair"}, "the key (1, 2) stored as its repr"),
    ({"when": Opaque()}, {"when": "Opaque(1)"}, "$.when: a Opaque stored as its repr"),
    (_cycle(), [1, "<cycle>"], "$[1]: a reference to itself"),
    (2 ** 20_000, hex(2 ** 20_000), "too long for decimal text stored as hex"),
]


@pytest.mark.parametrize(("result", "stored", "note"), RESULTS,
                         ids=["nan", "infinities", "surrogates", "tuple-key", "object", "cycle",
                              "huge-int"])
def test_a_result_json_cannot_hold_completes_readably(queue: Queue, result: Any, stored: Any,
                                                     note: str) -> None:
    task = queue.enqueue("a")
    assert queue.claim("w1") is not None
    assert queue.complete(task.id, "w1", result)
    assert queue.get(task.id).status == "completed"
    entries = queue.logs(task.id)
    done = next(e for e in entries if e.message.startswith("completed"))
    assert done.details_data == {"result": stored}
    assert note in entries[-1].message and entries[-1].level == "WARNING"


def test_the_next_claim_rides_along_with_an_unstorable_result(queue: Queue) -> None:
    first, second = queue.enqueue("a"), queue.enqueue("a")
    assert queue.claim("w1") is not None
    done, following = queue.complete_and_claim(first.id, "w1", [float("nan")])
    assert done and following is not None and following.id == second.id
    assert queue.get(first.id).status == "completed"
    assert "$[0]: NaN" in queue.logs(first.id)[-1].message


def test_an_ordinary_result_gets_no_note(queue: Queue) -> None:
    task = queue.enqueue("a")
    assert queue.claim("w1") is not None
    assert queue.complete(task.id, "w1", {"rows": 3, "name": "café"})
    assert queue.logs(task.id)[-1].message.startswith("completed")


@pytest.mark.parametrize("permanent", [False, True])
def test_an_error_with_undecodable_bytes_fails_readably(queue: Queue, permanent: bool) -> None:
    task = queue.enqueue("a", max_attempts=1)
    assert queue.claim("w1") is not None
    error = f"OSError: cannot read {SURROGATE_PATH}"
    details = {"traceback": error, "ratio": float("nan")}
    assert queue.fail(task.id, "w1", error, permanent=permanent, details=details) == "failed"
    failed = queue.get(task.id)
    assert failed.status == "failed"
    assert failed.error_message == "OSError: cannot read /data/caf\\xe9\\\\x.csv"
    entries = queue.logs(task.id)
    assert entries[-2].details_data == {"traceback": failed.error_message, "ratio": "NaN"}
    assert "the error message: text with undecodable bytes" in entries[-1].message
    assert "$.ratio: NaN" in entries[-1].message


def test_an_error_whose_text_cannot_be_shown_still_fails(queue: Queue) -> None:
    task = queue.enqueue("a", max_attempts=1)
    assert queue.claim("w1") is not None
    assert queue.fail(task.id, "w1", Unprintable()) == "failed"  # type: ignore[arg-type]
    assert queue.get(task.id).error_message == "<Unprintable that cannot be shown>"


def test_a_log_line_with_undecodable_bytes_is_kept_and_marked(queue: Queue) -> None:
    task = queue.enqueue("a")
    queue.log(task.id, "INFO", f"reading {SURROGATE_PATH}", path=SURROGATE_PATH, score=float("nan"))
    entry = queue.logs(task.id)[-1]
    assert entry.message == "reading /data/caf\\xe9\\\\x.csv"
    data = entry.details_data
    assert data["path"] == "/data/caf\\xe9\\\\x.csv" and data["score"] == "NaN"
    assert data["stored_as"][0].startswith("the message: text with undecodable bytes")
