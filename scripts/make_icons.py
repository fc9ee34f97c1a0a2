"""Render the app icon's PNG sizes, the Windows .ico and the macOS .icns from the SVG.

Run after editing ``resources/icons/prismq-desktop.svg``; the outputs are committed so a
build never needs this script. Qt's own SVG renderer (QtSvg ships in PySide6-Essentials)
draws every size from the vector, so small sizes stay crisp instead of being downscaled.

    python scripts/make_icons.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE = ICONS / "prismq-desktop.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico_bytes(images: dict[int, bytes]) -> bytes:
    """An .ico holding PNG entries (valid since Windows Vista), one per size.

    Qt's ico writer stores a single image, so the container is written by hand: a 6-byte
    header, a 16-byte directory entry per image, then the PNG data.
    """
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, blob in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in the directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(blob), offset)
        blobs += blob
        offset += len(blob)
    return header + entries + blobs


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"make_icons: cannot read {SOURCE}", file=sys.stderr)
        return 1
    rendered = {size: png_bytes(render(renderer, size)) for size in PNG_SIZES}
    for size, blob in rendered.items():
        (ICONS / f"prismq-desktop-{size}.png").write_bytes(blob)
    ico = ico_bytes({size: rendered[size] for size in ICO_SIZES})
    (ICONS / "prismq-desktop.ico").write_bytes(ico)
    render(renderer, 512).save(str(ICONS / "prismq-desktop.icns"), "ICNS")  # macOS bundle
    print(f"make_icons: {len(rendered)} PNG sizes, .ico and .icns in {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
