"""The claim SQL and ``compat.compatible`` read every compatibility text alike, including text
other tools wrote (JSON5, arrays, scalars, nested values; text that is not JSON at all cannot be
stored: the generated column ``region`` reads it), and parsing a worker's capabilities."""

from __future__ import annotations

import pytest

from prismq_desktop.core import Queue, ValidationError, compat
from tests.support import sqlite_db

TEXTS = ['{}', '{ }', '{"gpu": true}', '{"gpu": false}', '{"ram": 64}', '{"ram": 64.5}',
         '{gpu: true}', '[]', '[1]', '42', '"gpu"', 'null',
         '{"nested": {"a": 1}}', '{"list": [1, "x"]}', '{"gpu": true, "region": "eu"}']
CAPS = [{}, {"gpu": True}, {"gpu": True, "region": "eu", "ram": 64},
        {"nested": {"a": 1}, "list": [1, "x"]}, {"ram": 64.5}]


@pytest.mark.parametrize("caps", CAPS)
def test_sql_and_python_agree_on_every_text(queue: Queue, caps: dict) -> None:
    ids = {}
    for text in TEXTS:
        task_id = queue.enqueue("job").id
        sqlite_db(queue).execute("UPDATE task_queue SET compatibility = ? WHERE id = ?",
                                 (text, task_id))
        ids[task_id] = text
    claimed = set()
    while (task := queue.claim("w", capabilities=caps)) is not None:
        claimed.add(ids[task.id])
    assert claimed == {text for text in TEXTS if compat.compatible(caps, text)}
    assert "{}" in claimed and "{ }" in claimed
    assert not claimed & {"{gpu: true}", "[]", "[1]", "42", '"gpu"', "null"}


def test_capabilities_from_pairs_and_json() -> None:
    assert compat.parse_capabilities(["gpu=true", "ram=64", "region=eu", "note=a=b"]) == {
        "gpu": True, "ram": 64, "region": "eu", "note": "a=b"}
    assert compat.parse_capabilities(["region=eu"], '{"region": "us", "gpu": true}') == {
        "region": "eu", "gpu": True}
    assert compat.parse_capabilities(['tier="1"', "zone=null"]) == {"tier": "1", "zone": None}
    assert compat.capabilities_from_text("gpu=true, region=eu") == {"gpu": True,
                                                                    "region": "eu"}
    assert compat.capabilities_from_text(' {"gpu": true} ') == {"gpu": True}
    assert compat.capabilities_from_text("") == {}
    caps = {"gpu": True, "region": "eu", "tier": "1", "zone": None}
    assert compat.capabilities_from_text(compat.describe(caps)) == caps


@pytest.mark.parametrize(("pairs", "text", "message"), [
    (["gpu"], None, "not KEY=VALUE"),
    (["=1"], None, "not KEY=VALUE"),
    ([], "[1]", "must be a JSON object"),
    ([], "{gpu: true}", "must be a JSON object"),
    (["types=[\"a\"]"], None, '"types" is not a capability'),
])
def test_bad_capabilities_are_refused(pairs: list[str], text: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        compat.parse_capabilities(pairs, text)
