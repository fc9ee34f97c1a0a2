"""What the help and the README promise: every option documented, the right defaults named,
and `list --json` never silently shorter than what matches."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from prismq_desktop.cli.files import demo_db_path
from prismq_desktop.cli.main import main
from prismq_desktop.cli.parser import EPILOG, build_parser
from prismq_desktop.core import Queue

README = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(
    encoding="utf-8").split())


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(commands.choices)


@pytest.mark.parametrize("name", sorted(_commands()))
def test_the_readme_lists_every_command_and_option(name: str) -> None:
    assert f"`{name}" in README or f"`{name} " in README or f", `{name}" in README
    options = {o for a in _commands()[name]._actions for o in a.option_strings
               if o.startswith("--") and o != "--help"}
    missing = sorted(o for o in options if f"{o}" not in README)
    assert not missing, f"README does not mention {missing} of {name}"


def test_the_readme_lists_every_exit_code() -> None:
    for code, meaning in (("4", "internal error"), ("5", "the desktop app cannot start"),
                          ("130", "interrupted"), ("143", "terminated")):
        assert f"{code} {meaning}" in README and f"{code} " in EPILOG


def test_the_readme_links_stay_inside_the_repository() -> None:
    assert "../shared" not in README and "](../" not in README


def test_demo_help_names_the_demo_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert str(demo_db_path()) in text and "PrismQ backend's default" not in text


def test_list_json_says_on_stderr_when_more_tasks_match(
        capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    with Queue.open(db_path) as queue:
        queue.enqueue_many([{"type": "echo"} for _ in range(60)])
    assert main(["--db", str(db_path), "list", "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.out.count('"id"') == 50
    assert "50 tasks printed; more tasks match" in captured.err
    assert "--offset 50" in captured.err and captured.err.count("\n") == 1
    assert main(["--db", str(db_path), "list", "--json", "--offset", "50"]) == 0
    rest = capsys.readouterr()
    assert rest.out.count('"id"') == 10 and rest.err == ""
