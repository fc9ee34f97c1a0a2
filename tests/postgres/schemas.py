"""A fresh queue schema per test on the server ``PRISMQ_TEST_PG_URL`` names (no tests here).

Each location is the server's URL with ``?schema=t_<session>_<n>``: creating a schema costs a
few tens of milliseconds, and tests never see each other's rows. The schemas this session
made are dropped at its end (tests/contract/conftest.py's session fixture calls
:func:`drop_all`).
"""

from __future__ import annotations

import itertools
import os
import uuid

import psycopg

PG_URL_VAR = "PRISMQ_TEST_PG_URL"
_SESSION = uuid.uuid4().hex[:8]
_numbers = itertools.count()
made: list[str] = []


def new_location(url: str | None = None) -> str:
    """A URL naming a schema no one has used yet (created when first opened)."""
    base = url or os.environ[PG_URL_VAR]
    name = f"t_{_SESSION}_{next(_numbers)}"
    made.append(name)
    return f"{base}{'&' if '?' in base else '?'}schema={name}"


def drop_all() -> None:
    """Drop every schema this session named (those never created are skipped)."""
    if not made:
        return
    with psycopg.connect(os.environ[PG_URL_VAR], autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    made.clear()
