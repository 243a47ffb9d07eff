"""The PNG encoder of gradviz.export_png: every pixel and alpha as drawn, read back by Pillow and by Qt."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PySide6 import QtCore, QtGui

from gradviz.export_png import png_bytes

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402


def _painted_image(width: int, height: int) -> QtGui.QImage:
    """An ARGB32 image of known pixels: each one's channels a function of its place, alpha included."""
    image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    image.setDotsPerMeterX(3780)
    image.setDotsPerMeterY(5906)
    for y in range(height):
        for x in range(width):
            image.setPixelColor(x, y, QtGui.QColor((7 * x) % 256, (11 * y) % 256, (x * y) % 256, (x + 3 * y) % 256))
    return image


def _chunks(data: bytes) -> dict:
    """Chunk type -> list of payloads, with each chunk's CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    found, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, payload = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + payload), kind
        found.setdefault(kind, []).append(payload)
        at += 12 + length
    assert at == len(data)
    return found


@pytest.mark.parametrize("size", [(1, 1), (37, 23), (300, 2)])
def test_png_holds_every_pixel_and_alpha(qapp, size):
    image = _painted_image(*size)
    data = png_bytes(image)
    decoded = Image.open(io.BytesIO(data))
    decoded.verify()  # Pillow checks the chunk CRCs and the structure
    decoded = Image.open(io.BytesIO(data))
    assert decoded.mode == "RGBA" and decoded.size == size
    pixels = decoded.load()
    for y in range(size[1]):
        for x in range(size[0]):
            assert pixels[x, y] == ((7 * x) % 256, (11 * y) % 256, (x * y) % 256, (x + 3 * y) % 256), (x, y)
    back = QtGui.QImage.fromData(data)
    assert not back.isNull() and back.pixelColor(size[0] - 1, size[1] - 1) == image.pixelColor(size[0] - 1, size[1] - 1)


def test_png_keeps_the_dots_per_metre_and_ends_with_iend(qapp):
    chunks = _chunks(png_bytes(_painted_image(5, 4)))
    assert struct.unpack(">IIBBBBB", chunks[b"IHDR"][0]) == (5, 4, 8, 6, 0, 0, 0)
    assert struct.unpack(">IIB", chunks[b"pHYs"][0]) == (3780, 5906, 1)
    assert chunks[b"IEND"] == [b""]
    rows = zlib.decompress(b"".join(chunks[b"IDAT"]))
    assert len(rows) == 4 * (1 + 5 * 4)


def test_png_of_a_premultiplied_image_is_unpremultiplied(qapp):
    image = QtGui.QImage(2, 1, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    image.setPixelColor(0, 0, QtGui.QColor(200, 100, 50, 128))
    image.setPixelColor(1, 0, QtGui.QColor(0, 0, 255, 255))
    decoded = Image.open(io.BytesIO(png_bytes(image))).load()
    red, green, blue, alpha = decoded[0, 0]
    assert alpha == 128 and abs(red - 200) <= 1 and abs(green - 100) <= 1 and abs(blue - 50) <= 1
    assert decoded[1, 0] == (0, 0, 255, 255)
