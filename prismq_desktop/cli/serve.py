"""``prismq-desktop serve``: the HTTP API for headless machines (DESIGN §13).

The options are defined here without importing the API, so every other command starts as
fast as before and a build without the ``[api]`` extra still runs them; FastAPI and uvicorn
are imported only when ``serve`` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from prismq_desktop.cli.delegates import load
from prismq_desktop.cli.files import open_for_writing
from prismq_desktop.cli.parser import UsageError

if TYPE_CHECKING:
    from prismq_desktop.api import ApiConfig

EXAMPLES = """\
PrismQ's endpoints, with the token serve prints ($T) on the default address:

  curl -X POST http://127.0.0.1:8000/api/queue/enqueue -H "Authorization: Bearer $T" \\
       -H 'Content-Type: application/json' \\
       -d '{"type": "youtube_search", "payload": {"query": "AI"}, "idempotency_key": "s-1"}'
  curl -H "Authorization: Bearer $T" http://127.0.0.1:8000/api/queue/tasks/1
  curl -X POST -H "Authorization: Bearer $T" http://127.0.0.1:8000/api/queue/tasks/1/cancel
  curl -H "Authorization: Bearer $T" 'http://127.0.0.1:8000/api/queue/tasks?status=queued&limit=10'
  curl -H "Authorization: Bearer $T" http://127.0.0.1:8000/api/queue/stats

Live changes (Server-Sent Events):  curl -N -H "Authorization: Bearer $T" \\
       http://127.0.0.1:8000/api/events
Every endpoint, with a page to try them: http://127.0.0.1:8000/docs

The tokens are kept in an owner-only file (--token-file; default in the app's data folder);
the read-only one may only GET. --token or $PRISMQ_API_TOKEN sets the full token instead."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EXAMPLES
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="(default 8000; 0: any free)")
    parser.add_argument("--token", metavar="TOKEN", help="the full token for this run")
    parser.add_argument("--token-file", type=Path, metavar="PATH",
                        help="where the tokens are kept (made, owner-only, when missing)")
    parser.add_argument("--no-auth", action="store_true",
                        help="no token needed (only on a loopback address)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="another name clients reach this server by (Host header check)")
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                        help="a web page origin allowed to call the API from a browser")


def serve(args: argparse.Namespace) -> int:
    api = load("prismq_desktop.api", "ApiServer", "the HTTP API")
    config = _config(args)
    with open_for_writing(args, create=True) as queue:
        server = api(queue, config)
        try:
            url = server.start()
        except OSError as exc:
            raise UsageError(str(exc)) from exc
        try:
            _announce(url, config)
            with _stop_signals() as stop:
                stop.wait()
        finally:
            server.stop()
    return 0


def _config(args: argparse.Namespace) -> ApiConfig:
    from prismq_desktop.api import ApiConfig, load_tokens

    if not 0 <= args.port <= 65535:
        raise UsageError(f"the port must be from 0 to 65535, not {args.port}")
    try:
        tokens = None if args.no_auth else load_tokens(args.token_file, args.token)
        return ApiConfig(host=args.host, port=args.port, tokens=tokens,
                         allowed_hosts=tuple(args.allow_host),
                         cors_origins=tuple(args.cors_origin))
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _announce(url: str, config: ApiConfig) -> None:
    """The URL first (scripts read the first line), then the tokens and the docs page."""
    tokens = config.tokens
    print(url, flush=True)
    if tokens is None:
        print("no token needed (--no-auth)")
    else:
        print(f"token: {tokens.full}\nread-only token: {tokens.read_only}")
    print(f"docs: {url}/docs\nCtrl+C stops", flush=True)


@contextlib.contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """Ctrl+C and SIGTERM stop the server cleanly (exit 0), with the old handlers after."""
    stop = threading.Event()
    names = [signal.SIGINT, signal.SIGTERM]
    if sys.platform != "win32":
        names.append(signal.SIGHUP)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in names}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
