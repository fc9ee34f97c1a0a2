"""Handler registry and loading: decorator, module and file paths, plugins, clear errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from prismq_desktop.worker import (
    HandlerLoadError,
    HandlerRegistry,
    default_registry,
    load_entry_points,
    load_handlers,
)
from prismq_desktop.worker.builtins import builtin_registry

HANDLERS = '''
from prismq_desktop.worker import handler

@handler("resize_image")
def resize(ctx):
    return {"ok": True}

@handler("thumbnail")
def thumb(ctx):
    return None
'''


def _file(tmp_path: Path, text: str, name: str = "my_handlers.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_file_handlers_go_to_the_registry_being_loaded(tmp_path: Path) -> None:
    registry = HandlerRegistry()
    added = load_handlers(str(_file(tmp_path, HANDLERS)), registry)
    assert added == ("resize_image", "thumbnail")
    assert registry.types() == ("resize_image", "thumbnail")
    assert "resize_image" not in default_registry  # staging kept the global registry clean
    assert registry.get("resize_image")(None) == {"ok": True}  # type: ignore[arg-type]


def test_loading_the_same_file_twice_is_harmless(tmp_path: Path) -> None:
    path = str(_file(tmp_path, HANDLERS))
    first, second = HandlerRegistry(), HandlerRegistry()
    load_handlers(path, first)
    load_handlers(path, first)
    assert load_handlers(path, second) == ("resize_image", "thumbnail")  # found by scanning
    assert first.types() == second.types()


def test_module_path_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pqd_test_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "jobs.py").write_text(HANDLERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = HandlerRegistry()
    assert load_handlers("pqd_test_pkg.jobs", registry) == ("resize_image", "thumbnail")
    monkeypatch.delitem(sys.modules, "pqd_test_pkg.jobs")


def test_a_type_registered_twice_is_refused_and_nothing_is_added(tmp_path: Path) -> None:
    registry = builtin_registry()
    clash = HANDLERS + '\n@handler("echo")\ndef my_echo(ctx):\n    return 1\n'
    with pytest.raises(HandlerLoadError) as info:
        load_handlers(str(_file(tmp_path, clash)), registry)
    message = str(info.value)
    assert "'echo' is registered twice" in message and "\n" not in message
    assert "prismq_desktop.worker.builtins.echo" in message and "my_handlers.py" in message
    assert "resize_image" not in registry  # all or none


def test_a_module_registering_one_type_twice_is_refused(tmp_path: Path) -> None:
    twice = HANDLERS + '\n@handler("thumbnail")\ndef thumb2(ctx):\n    return 2\n'
    with pytest.raises(HandlerLoadError, match="'thumbnail' is registered twice"):
        load_handlers(str(_file(tmp_path, twice, "twice.py")), HandlerRegistry())


@pytest.mark.parametrize(("text", "expected"), [
    ("def broken(:\n", "SyntaxError"),
    ("raise RuntimeError('no config\\nsecond line')\n", "RuntimeError: no config"),
    ("import pqd_no_such_module_here\n", "no module named 'pqd_no_such_module_here'"),
    ("import sys\nsys.exit(3)\n", "SystemExit"),
])
def test_a_module_that_fails_to_import_gives_one_clear_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(HandlerLoadError) as info:
        load_handlers(str(_file(tmp_path, text, "bad.py")), HandlerRegistry())
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_missing_module_or_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(HandlerLoadError, match="no module named 'pqd_nope'"):
        load_handlers("pqd_nope.handlers", HandlerRegistry())
    with pytest.raises(HandlerLoadError, match="no such file"):
        load_handlers(str(tmp_path / "absent.py"), HandlerRegistry())


def test_explicit_registry_decorator_and_bad_registrations() -> None:
    registry = HandlerRegistry()

    @registry.handler("local")
    def local(ctx: object) -> int:
        return 7

    assert registry.get("local") is local and "local" in registry and len(registry) == 1
    with pytest.raises(HandlerLoadError, match="non-empty"):
        registry.register(" ", local)
    with pytest.raises(HandlerLoadError, match="not callable"):
        registry.register("x", 42)  # type: ignore[arg-type]


def test_builtins_are_in_the_default_registry() -> None:
    assert {"sleep", "echo", "fail", "shell"} <= set(default_registry.types())
    assert builtin_registry().types() == ("echo", "fail", "shell", "sleep")


def _plugin(site: Path, name: str, module: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[prismq_desktop.handlers]\n{name} = {module}\n")


def test_entry_point_plugins_load_and_a_broken_one_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pqd_plugin_good.py").write_text(HANDLERS)
    (tmp_path / "pqd_plugin_bad.py").write_text("raise ImportError('missing libfoo')\n")
    _plugin(tmp_path, "pqd_good", "pqd_plugin_good")
    _plugin(tmp_path, "pqd_bad", "pqd_plugin_bad")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = HandlerRegistry()
    errors = load_entry_points(registry)
    assert registry.types() == ("resize_image", "thumbnail")
    assert len(errors) == 1 and "pqd_bad" in errors[0] and "missing libfoo" in errors[0]
    monkeypatch.delitem(sys.modules, "pqd_plugin_good")
