"""Every worker test: a thread the test started (engine slots, keepers, wakers) must be gone
when it ends, or the test fails; a leaked engine would keep claiming in later tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import no_new_threads


@pytest.fixture(autouse=True)
def no_thread_left() -> Iterator[None]:
    with no_new_threads():
        yield
