"""`list --search` and `export --search`: a typo in a value is an error like a typo in a name,
and NOT, OR and parentheses work (issue 11.7)."""

from __future__ import annotations

from pathlib import Path

from test_cli import Run, cli, live  # noqa: F401  (the in-process CLI fixtures)

from prismq_desktop.core import Queue
from tests.cli.support import assert_one_line_error, snapshot


def test_an_unknown_status_value_is_bad_input_with_a_suggestion(
        cli: Run, live: Queue, db_path: Path, tmp_path: Path) -> None:  # noqa: F811
    live.enqueue("echo")
    before = snapshot(db_path)
    assert_one_line_error(cli("list", "--search", "status:faild"), 2,
                          'unknown status "faild" (did you mean "failed"?) (at character 8)')
    assert_one_line_error(cli("list", "--search", "type:echo OR", "--json"), 2,
                          "OR needs a term after it")
    assert_one_line_error(cli("export", str(tmp_path / "x.csv"), "--search", "(type:echo"), 2,
                          "this ( is never closed")
    assert snapshot(db_path) == before and not (tmp_path / "x.csv").exists()


def test_not_or_and_parentheses_select_tasks(cli: Run, live: Queue) -> None:  # noqa: F811
    echo, sleep, other = (live.enqueue(kind).id for kind in ("echo", "sleep", "other"))

    def ids(text: str) -> list[int]:
        done = cli("list", "--search", text, "--json")
        assert done.code == 0, done.err
        return [task["id"] for task in done.json]

    assert ids("NOT type:echo") == [other, sleep]
    assert ids("type:echo OR type:sleep") == [sleep, echo]
    assert ids("-(type:echo OR type:sleep)") == [other]
    assert ids("status:queued (type:other OR #1)") == [other, echo]
