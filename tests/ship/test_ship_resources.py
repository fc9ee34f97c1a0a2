"""Resources are found by one function in a checkout and in an installed wheel (the frozen
exe is covered by tests/test_ship_build.py), and the wheel carries every package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from PySide6.QtGui import QImage, QImageReader

from prismq_desktop import paths

ROOT = Path(__file__).resolve().parents[2]


def test_checkout_finds_the_resources() -> None:
    assert paths.resources_dir() == ROOT / "resources"
    assert paths.resource_path("icons", "prismq-desktop.svg").is_file()
    assert paths.resource_path("prismq-desktop.desktop").is_file()


def test_frozen_layout_looks_inside_the_bundle(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resource_path("icons", "x.png") == tmp_path / "resources" / "icons" / "x.png"


def test_user_data_dir_follows_the_override_and_the_platform(tmp_path: Path,
                                                              monkeypatch) -> None:
    monkeypatch.setenv("PRISMQ_DESKTOP_DATA_DIR", str(tmp_path / "portable"))
    assert paths.logs_dir() == tmp_path / "portable" / "logs"
    monkeypatch.delenv("PRISMQ_DESKTOP_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert paths.user_data_dir() == tmp_path / "xdg" / "PrismQDesktop"
    assert paths.user_data_dir().name == "PrismQDesktop"


def test_every_icon_png_has_its_size(qapp) -> None:
    for size, png in zip(paths.ICON_SIZES, paths.app_icon_files(), strict=True):
        image = QImage(str(png))
        assert (image.width(), image.height()) == (size, size), png


def test_the_ico_holds_the_windows_sizes(qapp) -> None:
    reader = QImageReader(str(paths.resource_path("icons", "prismq-desktop.ico")))
    sizes = []
    for index in range(reader.imageCount()):
        reader.jumpToImage(index)
        sizes.append(reader.read().width())
    assert sizes == [16, 24, 32, 48, 64, 128, 256]


def test_pyproject_lists_every_package_and_resource_folder() -> None:
    """Packages are listed by hand (find cannot map resources/): a new folder must be added."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    code = {".".join(init.parent.relative_to(ROOT).parts)
            for init in (ROOT / "prismq_desktop").rglob("__init__.py")}
    data = {".".join(("prismq_desktop._resources", *folder.relative_to(ROOT / "resources").parts))
            for folder in (ROOT / "resources").rglob("*") if folder.is_dir()}
    missing = (code | data | {"prismq_desktop._resources"}) - listed
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


@pytest.mark.slow
def test_installed_wheel_finds_the_resources(tmp_path: Path) -> None:
    """Build the wheel, install it alone into a venv that borrows this machine's deps, and
    ask the installed package where its resources are."""
    source = tmp_path / "src"  # a clean copy: setuptools would reuse a stale build/ folder
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "*.db*"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path / "dist"), str(source)], check=True, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("prismq_desktop-*.whl")
    venv.create(tmp_path / "venv", system_site_packages=True, with_pip=False)
    python = tmp_path / "venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", str(wheel)], check=True, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = ("from prismq_desktop import paths; print(paths.resources_dir());"
             " print(all(p.is_file() for p in paths.app_icon_files()))")
    out = subprocess.run([str(python), "-c", probe], capture_output=True, text=True,
                         check=True, cwd=tmp_path, env=env).stdout.split()
    found = Path(out[0])
    assert found.name == "_resources" and (tmp_path / "venv") in found.parents, found
    assert (found / "prismq-desktop.desktop").is_file()
    assert out[1] == "True"
