"""Exit 4 means a bug in us: whatever a user types, every command answers 0-3 (DESIGN §8).

Hypothesis drives `main(argv)` in-process (fast: thousands of cases) over every command with
option values drawn from odd text (lone surrogates as Python makes them from non-UTF-8 bytes,
control and bidi characters, deep JSON, huge relative times, long searches); a few of the
shapes the issue found also run through the real command.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prismq_desktop.cli.main import main
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

#: Every command with the options that take a value, and a positional when it has one.
COMMANDS: dict[str, tuple[list[str], list[str]]] = {
    "enqueue": (["TYPE"], ["--payload", "--priority", "--max-attempts", "--run-after",
                           "--idempotency-key", "--compatibility"]),
    "list": ([], ["--status", "--type", "--search", "--sort", "--limit", "--offset"]),
    "export": (["DEST"], ["--status", "--type", "--search", "--format"]),
    "show": (["ID"], []), "cancel": (["ID"], []), "retry": (["ID"], []),
    "logs": (["ID"], []),
    "stats": ([], []), "check": ([], []),
    "backup": (["DEST"], []),
    "purge": ([], ["--older-than"]),
    "worker": ([], ["--concurrency", "--strategy", "--lease-seconds", "--max-tasks",
                    "--idle-exit", "--worker-id", "--poll-interval", "--handlers"]),
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    positionals, options = COMMANDS[name]
    argv = [name, *(draw(odd_text) for _ in positionals)]
    for option in draw(st.lists(st.sampled_from(options), max_size=3)) if options else []:
        argv += [option, draw(odd_text)]
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
