"""A PostgreSQL queue's connection lost mid-session (issue 14): the window says so without
the password, keeps polling, and shows new tasks again once the server answers, no restart.

Runs when ``PRISMQ_TEST_PG_URL`` names a throwaway server. The app's connections are ended
from a separate connection with ``pg_terminate_backend``; "unreachable" is the queue's
database refusing new connections (``ALLOW_CONNECTIONS false``) while its sessions end.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from prismq_desktop.core import Queue
from prismq_desktop.gui.window.connection_note import LOST_NOTE
from tests.gui.support import table_ids
from tests.postgres import schemas

if not os.environ.get(schemas.PG_URL_VAR):
    pytest.skip(f"PostgreSQL GUI tests skipped: set {schemas.PG_URL_VAR}", allow_module_level=True)

#: The app's own sessions (a test role may not end the server's autovacuum workers).
TERMINATE = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid() "
             "AND usename = current_user AND backend_type = 'client backend'")
#: Long enough for the pool's give-up delay and the session's backoff (both in seconds).
RECOVER_MS = 45_000


@pytest.fixture
def pg_queue() -> str:
    """A queue URL (with a password) and one task."""
    url = schemas.new_location()
    with Queue.open(url) as queue:
        queue.enqueue("before", {})
    return url


def admin(url: str, sql: str) -> None:
    """Run ``sql`` on a connection of its own to the queue's database (not the app's)."""
    base = url.split("?", 1)[0]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(sql)


def enqueue_elsewhere(url: str, type_: str) -> int:
    with Queue.open(url) as queue:
        return queue.enqueue(type_, {}).id


def test_terminated_connections_are_replaced_and_live_updates_go_on(
        qtbot, open_window, pg_queue: str) -> None:
    window = open_window(pg_queue)
    admin(pg_queue, TERMINATE)
    new_id = enqueue_elsewhere(pg_queue, "after")
    qtbot.waitUntil(lambda: new_id in table_ids(window), timeout=RECOVER_MS)
    assert window.session.connected
    assert not window.banner.isVisible(), window.banner.text.text()


def test_an_unreachable_server_shows_a_note_and_the_window_recovers(
        qtbot, open_window, pg_queue: str) -> None:
    window = open_window(pg_queue)
    database = urlsplit(pg_queue).path.lstrip("/")
    postgres_db = urlunsplit(urlsplit(pg_queue)._replace(path="/postgres", query=""))
    admin(postgres_db, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    try:
        admin(postgres_db, TERMINATE.replace("current_database()", f"'{database}'"))
        qtbot.waitUntil(lambda: window.banner.isVisible()
                        and window.banner.text.text() == LOST_NOTE, timeout=RECOVER_MS)
        assert not window.session.connected
        assert not window.banner.close_button.isVisible()  # it goes by itself
        shown = window.banner.text.text() + window.banner._details + window.windowTitle()
        assert urlsplit(pg_queue).password not in shown
        assert window.banner._details  # the server's reason, behind Details…
    finally:
        admin(postgres_db, f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
    new_id = enqueue_elsewhere(pg_queue, "after")
    qtbot.waitUntil(lambda: new_id in table_ids(window), timeout=RECOVER_MS)
    assert window.session.connected
    assert not window.banner.isVisible()
