"""Reading a file with a bound, and decoding its JSON strictly: the first steps of opening any gradviz file.

Nothing is read without a bound: ``read_text`` takes at most ``MAX_FILE_BYTES`` + 1 bytes from a regular
file, and refuses folders, devices, FIFOs and sockets without blocking. ``decode_text`` refuses what JSON
allows but a file of ours never holds (NaN, a field given twice, nesting beyond ``MAX_NESTING``). Every
problem is one ``NetworkFileError``.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

from ..core.experiment import NetworkFileError

#: Largest file read, in bytes.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Deepest JSON nesting accepted (the deepest valid field, weights, is 3 levels inside the top object).
MAX_NESTING = 8


def nesting(value, depth: int = 0) -> int:
    """How deep lists and objects nest in a decoded JSON value, counted up to ``MAX_NESTING`` + 1."""
    if depth > MAX_NESTING:
        return depth
    if isinstance(value, list):
        return max((nesting(v, depth + 1) for v in value), default=depth + 1)
    if isinstance(value, dict):
        return max((nesting(v, depth + 1) for v in value.values()), default=depth + 1)
    return depth


def _reject_constant(name):
    raise NetworkFileError("", f"the file holds {name}, which is not a finite number; JSON allows only finite numbers")


def _unique_fields(pairs: list) -> dict:
    """A JSON object's fields as a dict, refusing a field given twice (json would keep the last silently)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise NetworkFileError(key, "is given more than once; give each field once")
            seen.add(key)
    return obj


def decode_text(text: str):
    """The JSON value of a network or session file's text; every problem becomes one ``NetworkFileError``."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_fields)
    except NetworkFileError:
        raise
    except RecursionError:
        raise NetworkFileError("", f"the file nests lists or objects more than {MAX_NESTING} deep") from None
    except json.JSONDecodeError as exc:
        raise NetworkFileError("", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except ValueError:  # json refuses whole numbers of more than 4300 digits (sys.get_int_max_str_digits)
        raise NetworkFileError("", "the file holds a number with too many digits to read") from None


def read_text(path) -> str:
    """The text of the regular file ``path``, read through one handle, at most ``MAX_FILE_BYTES`` + 1 bytes.

    Folders, devices (``/dev/zero``), FIFOs and sockets are refused without blocking and without reading;
    every problem is one ``NetworkFileError``.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise NetworkFileError("", f"no such file: {path}") from None
    except PermissionError:
        raise NetworkFileError("", f"cannot read {path}: permission denied") from None
    except IsADirectoryError:  # Windows
        raise NetworkFileError("", f"{path} is a folder, not a network file") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise NetworkFileError("", f"{path} is a socket or a device, not a network file") from None
        raise NetworkFileError("", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise NetworkFileError("", f"{path} is a folder, not a network file")
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "a device"
            raise NetworkFileError("", f"{path} is {kind}, not a network file; only regular files are read")
        _refuse_size(path, info.st_size)
        with os.fdopen(fd, "rb", buffering=0) as handle:
            fd = None  # the handle closes it
            raw = _read_at_most(handle, MAX_FILE_BYTES + 1)
        _refuse_size(path, len(raw))  # the file grew after it was measured
    except NetworkFileError:
        raise
    except OSError as exc:
        raise NetworkFileError("", f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        if fd is not None:
            os.close(fd)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NetworkFileError("", f"{path} is not a text file (it is not UTF-8)") from None


def _refuse_size(path: Path, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise NetworkFileError("", f"{path} is {size / 2**20:.0f} MiB; network files are at most {MAX_FILE_BYTES // 2**20} MiB")


def _read_at_most(handle, limit: int) -> bytes:
    chunks, total = [], 0
    while total < limit:
        try:
            chunk = handle.read(min(1 << 20, limit - total))
        except BlockingIOError:  # a regular file never blocks; this is only belt and braces
            break
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)
