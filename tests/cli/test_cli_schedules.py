"""``schedule ...``, ``pause``/``resume`` and ``worker-control`` from the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from prismq_desktop.cli.main import main
from prismq_desktop.core import Queue
from tests.cli.support import Result, assert_one_line_error, snapshot

Run = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], db_path: Path) -> Run:
    def run(*argv: str) -> Result:
        code = main(["--db", str(db_path), *argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)
    return run


@pytest.fixture
def live(db_path: Path) -> Iterator[Queue]:
    with Queue.open(db_path) as queue:
        yield queue


def test_a_schedule_from_add_to_remove(cli: Run, live: Queue) -> None:
    added = cli("schedule", "add", "nightly", "--cron", "30 2 * * *", "report",
                "--payload", '{"depth": 2}', "--timezone", "Europe/Prague", "--catch-up", "all",
                "--priority", "7", "--json")
    assert added.code == 0, added.err
    assert added.json["timezone"] == "Europe/Prague" and added.json["priority"] == 7
    assert added.json["description"] == "At 02:30 every day"
    listed = cli("schedule", "list")
    assert "nightly" in listed.out and "30 2 * * *" in listed.out and "active" in listed.out
    assert cli("schedule", "edit", "nightly", "--cron", "@hourly").code == 0
    assert live.schedule("nightly").spec.cron == "@hourly"
    assert "paused" in cli("schedule", "pause", "nightly").out
    assert cli("schedule", "list", "--json").json[0]["paused"] is True
    assert cli("schedule", "resume", "nightly").code == 0
    ran = cli("schedule", "run-now", "nightly", "--json")
    assert ran.json["type"] == "report" and ran.json["idempotency_key"].startswith(
        "schedule:nightly@run-now-")
    assert cli("schedule", "remove", "nightly").code == 0
    assert live.schedules() == [] and live.get(ran.json["id"]).status == "queued"


@pytest.mark.parametrize(("argv", "fragment"), [
    (["schedule", "add", "x", "--cron", "0 24 * * *", "echo"], "bad hour '24'"),
    (["schedule", "add", "x", "--cron", "0 9 * * *", "echo", "--timezone", "Europe/Prag"],
     "did you mean Europe/Prague"),
    (["schedule", "add", "x y", "--cron", "0 9 * * *", "echo"], "at character 2"),
    (["schedule", "remove", "ghost"], "no schedule named 'ghost'"),
    (["worker-control", "stop", "ghost"], "no worker 'ghost'"),
    (["worker-control", "nap", "w1"], "invalid choice"),
])
def test_bad_input_is_one_line_and_changes_nothing(cli: Run, live: Queue, db_path: Path,
                                                   argv: list[str], fragment: str) -> None:
    before = snapshot(db_path)
    assert_one_line_error(cli(*argv), 2, fragment)
    assert snapshot(db_path) == before


def test_pause_and_resume_a_type(cli: Run, live: Queue) -> None:
    live.enqueue("mail")
    paused = cli("pause", "mail")
    assert paused.code == 0 and "1 waiting" in paused.out
    assert list(live.paused_types()) == ["mail"]
    assert live.claim("w") is None
    assert cli("resume", "mail").out.startswith("type mail resumed")
    assert "was not paused" in cli("resume", "mail").out


def test_worker_control_asks_a_registered_worker(cli: Run, live: Queue) -> None:
    live.register_worker("w1")
    result = cli("worker-control", "quiet", "w1")
    assert result.code == 0 and "stop claiming" in result.out
    control = live.worker_control("w1")
    assert control is not None and control.state == "quiet requested"
