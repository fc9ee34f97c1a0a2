"""``prismq-desktop serve`` as a user runs it: a real process, the URL as its first line, a
request answered, a clean exit on SIGTERM; and its help with a curl line per endpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from prismq_desktop.cli.main import main

PRISMQ_PATHS = ("/api/queue/enqueue", "/api/queue/tasks/1", "/api/queue/tasks/1/cancel",
                "/api/queue/tasks?", "/api/queue/stats")


def test_help_shows_curl_for_each_prismq_endpoint(capsys) -> None:
    assert main(["serve", "--help"]) == 0
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if "curl" in line or "/api/" in line]
    for path in PRISMQ_PATHS:
        assert any(path in line for line in lines), path
    assert "Authorization: Bearer" in text


def test_serve_prints_url_first_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "PRISMQ_DESKTOP_DATA_DIR": str(tmp_path / "data")}
    env.pop("PRISMQ_API_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "prismq_desktop", "serve", "--db", str(tmp_path / "q.db"),
         "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        url = process.stdout.readline().strip()
        token = process.stdout.readline().split(": ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        answer = httpx.post(f"{url}/api/queue/enqueue", json={"type": "from-curl"},
                            headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201
        stored = (tmp_path / "data" / "api-tokens.json").read_text()
        assert token in stored
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_port_in_use_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["serve", "--db", str(tmp_path / "q.db"), "--port", str(port),
                     "--token", "t", "--token-file", str(tmp_path / "tokens.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"cannot listen on 127.0.0.1:{port}" in err


def test_no_auth_on_a_public_address_is_refused(tmp_path: Path, capsys) -> None:
    code = main(["serve", "--db", str(tmp_path / "q.db"), "--host", "0.0.0.0", "--no-auth"])
    assert code == 2 and "loopback" in capsys.readouterr().err
    assert not (tmp_path / "q.db").exists()
