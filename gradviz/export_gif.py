"""Animated GIF writing, one frame at a time: each frame gets its own palette and is encoded as it arrives."""

from __future__ import annotations

import io
from typing import BinaryIO

from PySide6 import QtGui

from .export_options import ExportError


def gif_frame(image: QtGui.QImage, background: QtGui.QColor, Image):
    """A palette image of ``image`` laid on ``background``, with its own adaptive palette (256 colours)."""
    # Laid on the background by Qt into 3 bytes a pixel, which Pillow reads in place: a large frame is held
    # twice (as drawn and as RGB) and then once more as its palette image, never as extra copies.
    rgb = QtGui.QImage(image.size(), QtGui.QImage.Format.Format_RGB888)
    rgb.fill(background)
    painter = QtGui.QPainter(rgb)
    painter.drawImage(0, 0, image)
    painter.end()
    frame = Image.frombuffer("RGB", (rgb.width(), rgb.height()), rgb.constBits(), "raw", "RGB", rgb.bytesPerLine(), 1)
    # No dithering: flat colours (the gradient colour scale, text) stay exact instead of speckled.
    return frame.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


class GifStream:
    """Writes an animated GIF that loops forever one frame at a time, so no more than one frame is held.

    Each frame is encoded by Pillow as a GIF of its own; its colour table and compressed image data are
    copied into the animation as that frame's local colour table and data. A frame is written when the
    next one arrives, since only the last one shows for ``last_frame_ms``.
    """

    def __init__(self, handle: BinaryIO, frame_ms: int, last_frame_ms: int):
        self._handle = handle
        self._frame_ms = frame_ms
        self._last_frame_ms = last_frame_ms
        self._size: tuple[int, int] | None = None
        self._pending: bytes | None = None
        self.frames = 0

    def add(self, frame) -> None:
        if self._size is None:
            self._size = frame.size
            self._handle.write(b"GIF89a" + _u16(frame.size[0]) + _u16(frame.size[1]) + bytes((0, 0, 0)))
            # The NETSCAPE2.0 application extension: loop forever.
            self._handle.write(b"!\xff\x0bNETSCAPE2.0\x03\x01" + _u16(0) + b"\x00")
        elif frame.size != self._size:
            raise ExportError(
                f"every frame must have the same size; frame {self.frames + 1} is "
                f"{frame.size[0]} x {frame.size[1]}, the first {self._size[0]} x {self._size[1]}"
            )
        self._flush(self._frame_ms)
        buffer = io.BytesIO()
        frame.save(buffer, format="GIF", interlace=False)
        self._pending = buffer.getvalue()
        self.frames += 1

    def close(self) -> None:
        if self._pending is None:
            raise ExportError("there are no frames to write")
        self._flush(self._last_frame_ms)
        self._handle.write(b";")

    def _flush(self, duration_ms: int) -> None:
        if self._pending is None:
            return
        table, image_data = _gif_parts(self._pending)
        # Graphic control extension: disposal 1 (leave in place), the delay in hundredths of a second.
        self._handle.write(b"!\xf9\x04\x04" + _u16(round(duration_ms / 10)) + b"\x00\x00")
        width, height = self._size
        bits = max(0, (len(table) // 3).bit_length() - 2)
        self._handle.write(b"," + _u16(0) + _u16(0) + _u16(width) + _u16(height) + bytes((0x80 | bits,)))
        self._handle.write(table + image_data)
        self._pending = None


def _u16(value: int) -> bytes:
    return int(value).to_bytes(2, "little")


def _gif_parts(data: bytes) -> tuple[bytes, bytes]:
    """The colour table and the LZW image data (with its code size and sub-blocks) of a one-frame GIF."""
    packed = data[10]
    position = 13
    table = b""
    if packed & 0x80:
        length = 3 * 2 ** ((packed & 7) + 1)
        table, position = data[position : position + length], position + length
    while data[position] == 0x21:  # extensions Pillow may add: skip their sub-blocks
        position += 2
        while data[position]:
            position += data[position] + 1
        position += 1
    if data[position] != 0x2C:
        raise ExportError("could not encode a frame as GIF")
    local = data[position + 9]
    position += 10
    if local & 0x80:
        length = 3 * 2 ** ((local & 7) + 1)
        table, position = data[position : position + length], position + length
    start = position
    position += 1  # the LZW minimum code size
    while data[position]:
        position += data[position] + 1
    return table, data[start : position + 1]
