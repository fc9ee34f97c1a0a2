"""Screenshots of the app on a PostgreSQL queue with workers in other processes.

    PRISMQ_TEST_PG_URL=postgresql://... python scripts/pg_screenshots.py [--out docs/screenshots]

Copies a fresh demo queue into a new schema of that server (``prismq-desktop copy``), starts
two ``prismq-desktop worker`` processes on it (demo handlers), opens the window on the URL and
writes postgres-main.png, postgres-workers.png and postgres-stats.png. The schema is dropped
afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psycopg  # noqa: E402
import screenshots as shots  # noqa: E402
from PySide6.QtWidgets import QApplication, QTableView  # noqa: E402

from prismq_desktop.cli import demo  # noqa: E402
from prismq_desktop.core import Queue  # noqa: E402
from prismq_desktop.gui import theme  # noqa: E402
from prismq_desktop.gui.app import create_main_window  # noqa: E402

#: A handlers module for the worker processes: the demo's pretend handlers.
HANDLERS = """
from prismq_desktop.cli import demo_handlers
from prismq_desktop.worker import HandlerRegistry, handler
_demo = HandlerRegistry()
demo_handlers.register(_demo)
for _type, _fn in _demo.items():
    globals()[f"handle_{_type}"] = handler(_type)(_fn)
"""


def workers(url: str, folder: Path) -> list[subprocess.Popen[bytes]]:
    module = folder / "demo_workers.py"
    module.write_text(HANDLERS)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return [subprocess.Popen([sys.executable, "-m", "prismq_desktop", "worker", "--db", url,
                              "--handlers", str(module), "--concurrency", "3", "--quiet",
                              "--worker-id", f"pg-box-{n}"], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for n in (1, 2)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    base = os.environ["PRISMQ_TEST_PG_URL"]
    schema = f"shots_{uuid.uuid4().hex[:6]}"
    url = f"{base}{'&' if '?' in base else '?'}schema={schema}"
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as folder:
        os.environ["PRISMQ_DESKTOP_SETTINGS"] = str(Path(folder) / "settings.ini")
        source = demo.build_demo_file(Path(folder) / "demo.db")
        with Queue.open(source, read_only=True) as src, Queue.open(url) as target:
            src.copy_to(target)
        try:
            procs = workers(url, Path(folder))
            app = QApplication.instance() or QApplication(sys.argv[:1])
            theme.apply(app, "light")
            window = create_main_window(url)
            window.resize(*shots.SIZE)
            window.show()
            shots.pump(app, lambda: (t := window.findChild(QTableView, "taskTable")) is not None
                       and t.model().rowCount() > 0, seconds=30)
            with Queue.open(url) as queue:
                queue.enqueue_many([{"type": "transcode", "payload": {"path": f"/in/{n}.mov",
                                                                      "format": "mp4"}}
                                    for n in range(12)])
            shots.pump(app, seconds=10)
            shots.shoot(app, window, args.out / "postgres-main.png")
            shots.tab(window, "Workers")
            shots.shoot(app, window, args.out / "postgres-workers.png")
            shots.show_stats(app, window)
            shots.shoot(app, window, args.out / "postgres-stats.png")
            window.close()
            shots.pump(app, lambda: not window.isVisible())
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(20)
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return 0


if __name__ == "__main__":
    sys.exit(main())
