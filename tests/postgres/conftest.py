"""PostgreSQL-specific tests: they run when ``PRISMQ_TEST_PG_URL`` names a throwaway server
(``.ci/postgres.sh`` starts one), each on a schema of its own, dropped at the session's end
(tests/conftest.py)."""

from __future__ import annotations

import os

import pytest

from tests.postgres import schemas

if not os.environ.get(schemas.PG_URL_VAR):
    pytest.skip(f"PostgreSQL tests skipped: set {schemas.PG_URL_VAR}=postgresql://... to a "
                "throwaway server (DESIGN §12)", allow_module_level=True)


@pytest.fixture
def pg_location() -> str:
    """A URL naming a fresh schema (created when first opened for writing)."""
    return schemas.new_location()
