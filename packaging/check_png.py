"""Checks that a file is a valid PNG: signature, every chunk's CRC, IHDR first, IEND last, and image data
that inflates to exactly the rows IHDR describes. Standard library only (CI runs it with the system Python).

    python3 packaging/check_png.py FILE.png [--size WxH]
"""

from __future__ import annotations

import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Samples per pixel of each PNG colour type.
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def png_size(data: bytes) -> tuple[int, int]:
    """The (width, height) of a valid PNG; ValueError naming the first problem otherwise."""
    if data[:8] != SIGNATURE:
        raise ValueError("not a PNG (wrong signature)")
    pos, chunks, idat = 8, [], b""
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError(f"truncated chunk at byte {pos}")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if pos + 12 + length > len(data):
            raise ValueError(f"truncated chunk at byte {pos}")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if len(body) != length or zlib.crc32(kind + body) != crc:
            raise ValueError(f"chunk {kind!r} at byte {pos} is damaged")
        chunks.append((kind, body))
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise ValueError("IHDR must come first and IEND last")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if width < 1 or height < 1 or colour not in CHANNELS:
        raise ValueError(f"bad header: {width} x {height}, colour type {colour}")
    pixels = zlib.decompress(idat)
    row = 1 + (width * CHANNELS[colour] * depth + 7) // 8
    if interlace == 0 and len(pixels) != height * row:
        raise ValueError(f"image data holds {len(pixels)} bytes, not the {height * row} of {width} x {height}")
    return width, height


def main(argv: list[str]) -> int:
    if not argv or len(argv) not in (1, 3) or (len(argv) == 3 and argv[1] != "--size"):
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    try:
        with open(argv[0], "rb") as file:
            size = png_size(file.read())
    except (OSError, ValueError, zlib.error) as exc:
        print(f"check_png: {argv[0]}: {exc}", file=sys.stderr)
        return 1
    if len(argv) == 3 and f"{size[0]}x{size[1]}" != argv[2]:
        print(f"check_png: {argv[0]} is {size[0]}x{size[1]}, not {argv[2]}", file=sys.stderr)
        return 1
    print(f"check_png: {argv[0]} is a valid {size[0]} x {size[1]} PNG")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
