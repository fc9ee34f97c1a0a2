"""The worker stays Qt-free and SQL-free: it runs headless and goes through the core only."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.worker.support import REPO, child_env

FORBIDDEN = ("PySide6", "pyqtgraph", "sqlite3", "_sqlite3")


def test_importing_the_core_and_worker_loads_no_qt_and_no_stdlib_sqlite() -> None:
    code = ("import sys, prismq_desktop.core, prismq_desktop.worker, "
            "prismq_desktop.worker.command; "
            f"print([m for m in {FORBIDDEN!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], env=child_env(), capture_output=True,
                         text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_no_sql_and_no_driver_in_the_worker_package() -> None:
    statement = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|PRAGMA|BEGIN)\b|\bimport apsw\b")
    offenders = [path.name for path in (REPO / "prismq_desktop" / "worker").glob("*.py")
                 if statement.search(path.read_text())]
    assert offenders == []
