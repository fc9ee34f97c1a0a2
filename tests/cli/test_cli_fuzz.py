"""Exit 4 means a bug in us: whatever a user types, every command answers 0-3 (DESIGN §8).

Hypothesis drives `main(argv)` in-process (fast: thousands of cases) over every command with
option values drawn from odd text (lone surrogates as Python makes them from non-UTF-8 bytes,
control and bidi characters, deep JSON, huge relative times, long searches); a few of the
shapes the issue found also run through the real command.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prismq_desktop.cli.main import main
from prismq_desktop.cli.parser import build_parser
from prismq_desktop.core import Queue
from tests.cli.support import assert_one_line_error

ROOT = Path(__file__).resolve().parents[2]
INTERNAL = 4

odd_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec=None, categories=("Cs", "Cc", "Cf", "Zs", "Lo")), max_size=20),
    st.sampled_from(["\udcff", "a\udc80b", "\u202e", "-", "--", "@", "@/nonexistent", "{}",
                     "[]", "null", "1e999", "NaN", "+99999999d", "-99999999999w", "now",
                     "9999-12-31T23:59:59", "0001-01-01", "#", "#99999999999999999999999",
                     "(", ")", "NOT", "OR", "payload.a[99999999999999999999]:1", "created>"]),
    st.integers(min_value=-2**70, max_value=2**70).map(str),
    st.integers(1, 1200).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 1200).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(1, 1200).map(lambda n: "(" * n + "x" + ")" * n),
    st.integers(1, 3000).map(lambda n: " ".join(f"t{i}" for i in range(n))),
    st.integers(1, 1500).map(lambda n: "NOT " * n + "x"),
    st.integers(1, 1500).map(lambda n: "-" * n + "x"),
)

#: Commands that run until stopped (the GUI, the demo, a server) are not fuzzed here.
LONG_RUNNING = {"gui", "demo", "self-test", "serve"}
#: Options that reach outside the fuzz folder or run until stopped: --db and the token file
#: would write anywhere, --handlers imports modules by name, --follow waits for the task.
NOT_FUZZED = {"--db", "--lock-timeout", "--token-file", "--handlers", "--follow", "--help"}


def _leaf_commands() -> dict[str, argparse.ArgumentParser]:
    """Every command and subcommand (``schedule add``) as the parser defines it now, so a
    command added later is fuzzed too."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups and prefix:
            found[prefix.strip()] = parser
        for group in groups:
            for name, sub in group.choices.items():
                walk(sub, f"{prefix}{name} ")
    walk(build_parser(), "")
    return {name: parser for name, parser in found.items()
            if name.split()[0] not in LONG_RUNNING}


COMMANDS = _leaf_commands()


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    parser = COMMANDS[name]
    argv = name.split()
    for action in parser._actions:
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
            value = draw(odd_text)
            # a file to write stays a plain name in the fuzz folder
            argv.append("fuzz-" + value.replace("/", "_") if action.dest == "dest" else value)
    options = [a for a in parser._actions if a.option_strings
               and a.option_strings[0] not in NOT_FUZZED]
    for action in draw(st.lists(st.sampled_from(options), max_size=3)) if options else []:
        argv.append(action.option_strings[-1])
        if action.nargs != 0:
            argv.append(draw(odd_text))
    if name == "worker":
        argv += ["--max-tasks", "1", "--idle-exit", "0"]  # never waits for work
    return argv


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    with Queue.open(folder / "q.db") as queue:
        queue.enqueue("echo", {"n": 1})
    return folder


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(argv=command_lines())
def test_no_input_makes_an_internal_error(argv: list[str], fuzz_dir: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fuzz_dir)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(fuzz_dir / "q.db"), *argv])
    assert code != INTERNAL, (argv, err.getvalue())
    assert code in (0, 1, 2, 3), (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue()


def _run(*argv: str | bytes, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prismq_desktop", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})


@pytest.mark.parametrize(("argv", "fragment"), [
    ([b"enqueue", b"\xff\xfe"], "not valid UTF-8"),
    (["enqueue", "x", "--payload", "[" * 1000 + "]" * 1000], "nested too deeply"),
    (["enqueue", "x", "--payload", '{"a":' * 995 + "1" + "}" * 995], "nested too deeply"),
    (["enqueue", "x", "--run-after", "+99999999d"], "out of range"),
    (["list", "--search", " ".join(f"t{i}" for i in range(2000))], "search"),
    (["list", "--search", "(" * 1200 + "x" + ")" * 1200], "search"),
])
def test_bad_input_in_a_real_process_exits_2(tmp_path: Path, argv: list, fragment: str) -> None:
    with Queue.open(tmp_path / "q.db") as queue:
        queue.enqueue("echo")
    done = _run("--db", "q.db", *argv, cwd=tmp_path)
    assert_one_line_error(_result(done), 2, fragment)


def _result(done: subprocess.CompletedProcess[str]):
    from tests.cli.support import Result
    return Result(done.returncode, done.stdout, done.stderr)
