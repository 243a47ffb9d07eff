"""Writing an output file: the one place that decides what may be written, and writes it atomically.

Every command and dialog that writes goes through here, so they all follow the same rules:

- Only a regular file or a new name is written. A device, named pipe, socket or folder is refused with an
  ``OutputPathError`` (one line) and never opened.
- A symlink is written through: the file it points to gets the new content, and the link stays.
- The new content appears all at once: it is written to a file nobody can see yet (Linux ``O_TMPFILE`` in the
  target's folder), fsynced, given a name with ``linkat`` and renamed over the target; then the folder is
  fsynced. Where ``O_TMPFILE`` is not supported, the hidden file is a short-named temporary instead.
- Temporary names are short (``.gradviz-tmp.<pid>.<8 hex>``, at most 29 bytes), so any name the file
  system accepts can be written. A temporary left by a killed writer is removed by the next write into
  that folder, once its process is gone and nobody holds its lock.
- A new file gets the mode the umask gives (0644 under umask 022); a replaced file keeps its mode (and
  its owner, when root writes it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # not POSIX: no locks, and no clean-up of other processes' temporaries
    fcntl = None

#: How every temporary this module makes is named: the prefix, then the writer's pid and 8 hex digits.
TEMP_PREFIX = ".gradviz-tmp."
_PROC_FD = "/proc/self/fd"
#: Linux can make a file without a name and link it into place later; off where it cannot (and in tests).
_use_o_tmpfile = hasattr(os, "O_TMPFILE") and os.path.isdir(_PROC_FD)
#: What open(O_TMPFILE) fails with on a kernel or file system without it.
_NO_O_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL}

_KINDS = (
    (stat.S_ISDIR, "it is a folder"),
    (stat.S_ISCHR, "it is a character device, not a regular file"),
    (stat.S_ISBLK, "it is a block device, not a regular file"),
    (stat.S_ISFIFO, "it is a named pipe (FIFO), not a regular file"),
    (stat.S_ISSOCK, "it is a socket, not a regular file"),
)
#: The few errors worth a plainer word than the system's; the rest read as strerror says.
_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
}


class OutputPathError(OSError):
    """A file that cannot be written; ``str()`` is one line naming the file and the reason."""

    def __init__(self, path, reason: str, code: int = 0):
        super().__init__(code, reason, os.fspath(path))

    def __str__(self) -> str:
        return f"cannot write {self.filename}: {self.strerror}" if self.filename.strip() else self.strerror


def os_error_reason(exc: OSError) -> str:
    """A short, plain reason for an OSError met while writing (``permission denied``, ``the disk is full``)."""
    return _REASONS.get(exc.errno) or exc.strerror or str(exc)


def write_error_message(path, exc: OSError) -> str:
    """The one line that says writing ``path`` failed with ``exc``."""
    if isinstance(exc, OutputPathError):
        return str(exc)
    return f"cannot write {path}: {os_error_reason(exc)}"


def new_mode(folder: bool = False) -> int:
    """The mode the umask gives a new file (0644 under umask 022) or folder (0755)."""
    return (0o777 if folder else 0o666) & ~_umask()


def _umask() -> int:
    try:  # Linux: read it without changing it (os.umask would, for a moment, for every thread)
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # os.umask both sets and returns: set it back at once
    os.umask(mask)
    return mask


# ---------------------------------------------------------------------------------------------- the check


def _existing(path, shown) -> os.stat_result | None:
    """The stat of the regular file at ``path``, None if there is none; anything else is an OutputPathError."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputPathError(shown, os_error_reason(exc), exc.errno) from None
    for is_kind, reason in _KINDS:
        if is_kind(info.st_mode):
            raise OutputPathError(shown, reason)
    return info


def check_output_path(path) -> Path:
    """Check that ``path`` may be written, and return the file a write replaces or creates.

    That is ``path`` itself, or the file a symlink at ``path`` points to (which may not exist yet).

    Raises
    ------
    OutputPathError
        One line naming what to fix: no name given, a folder, device, pipe or socket, a missing folder,
        a name too long, no permission, a read-only file system. Nothing is opened or created.
    """
    if not os.fspath(path).strip():
        raise OutputPathError("", "no file name given")
    shown = Path(path)
    target = Path(os.path.realpath(shown))
    if _existing(target, shown) is not None:
        folder = target.parent
    else:
        folder = target.parent if os.path.islink(shown) else shown.parent
        try:
            info = os.stat(folder)
        except FileNotFoundError:
            raise OutputPathError(shown, f"no such folder {folder}", errno.ENOENT) from None
        except OSError as exc:
            raise OutputPathError(shown, os_error_reason(exc), exc.errno) from None
        if not stat.S_ISDIR(info.st_mode):
            raise OutputPathError(shown, f"{folder} is not a folder", errno.ENOTDIR)
    if not os.access(folder, os.W_OK | os.X_OK):
        read_only = hasattr(os, "statvfs") and os.statvfs(folder).f_flag & os.ST_RDONLY
        code = errno.EROFS if read_only else errno.EACCES
        raise OutputPathError(shown, _REASONS[code], code)
    return target


# ---------------------------------------------------------------------------------------------- temporaries


def _temp_name() -> str:
    return f"{TEMP_PREFIX}{os.getpid()}.{secrets.token_hex(4)}"


def _lock(fd: int) -> None:
    """Mark a temporary as in use: the lock goes with the process, so a killed writer's temporary is free."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    return True


def _is_stale(path: str, name: str) -> bool:
    """A temporary of ours whose writer is gone: its pid is dead and nobody holds its lock."""
    parts = name[len(TEMP_PREFIX) :].split(".")
    if len(parts) != 2 or not parts[0].isdigit() or len(parts[1]) != 8:
        return False
    pid = int(parts[0])
    if pid == os.getpid() or _pid_alive(pid):
        return False
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        # The pid may be in another pid namespace (a container sharing the folder): its lock says it is alive.
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def remove_stale_temporaries(folder) -> list[str]:
    """Remove the temporaries of killed writers from ``folder`` and return their names.

    Only names of this module's pattern are touched, and only when their process is gone and no one holds
    their lock, so a writer still at work is never hurt. Failures are ignored: this is tidying, not writing.
    """
    if fcntl is None:
        return []
    try:
        names = [name for name in os.listdir(folder) if name.startswith(TEMP_PREFIX)]
    except OSError:
        return []
    removed = []
    for name in names:
        path = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            kind = os.lstat(path).st_mode
            if not (stat.S_ISREG(kind) or stat.S_ISDIR(kind)) or not _is_stale(path, name):
                continue
            if stat.S_ISDIR(kind):
                shutil.rmtree(path)
            else:
                os.unlink(path)
            removed.append(name)
    return removed


def _open_temporary(folder: Path, shown) -> tuple[int, Path | None]:
    """An open, locked, empty file in ``folder`` with the umask's mode, and its name (None: it has none yet)."""
    cloexec = getattr(os, "O_CLOEXEC", 0)
    try:
        if _use_o_tmpfile:
            try:
                fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY | cloexec, 0o666)
                _lock(fd)
                return fd, None
            except OSError as exc:
                if exc.errno not in _NO_O_TMPFILE:
                    raise
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | cloexec
        while True:
            temp = folder / _temp_name()
            try:
                fd = os.open(temp, flags, 0o666)
            except FileExistsError:
                continue
            _lock(fd)
            return fd, temp
    except OSError as exc:
        raise OutputPathError(shown, os_error_reason(exc), exc.errno) from None


def _link(fd: int, folder_fd: int, name: str) -> None:
    """Give the nameless file ``fd`` the name ``name`` in the folder ``folder_fd``: linkat via /proc/self/fd.

    ``dst_dir_fd`` is what makes Python call linkat(AT_SYMLINK_FOLLOW): without it, Python before 3.14 calls
    link(), which on Linux links the /proc symlink itself and fails with EXDEV (cpython gh-81793).
    """
    os.link(f"{_PROC_FD}/{fd}", name, dst_dir_fd=folder_fd, follow_symlinks=True)


def _link_temporary(fd: int, folder: Path, folder_fd: int) -> Path:
    """Give the nameless file ``fd`` a temporary name in ``folder``."""
    while True:
        name = _temp_name()
        try:
            _link(fd, folder_fd, name)
        except FileExistsError:
            continue
        return folder / name


def _keep_owner_and_mode(fd: int, replaced: os.stat_result | None) -> None:
    if replaced is None:
        return  # created with mode 0o666, which the umask has cut down already
    if hasattr(os, "fchown") and os.geteuid() == 0 and (replaced.st_uid, replaced.st_gid) != os.fstat(fd)[4:6]:
        os.fchown(fd, replaced.st_uid, replaced.st_gid)
    os.fchmod(fd, stat.S_IMODE(replaced.st_mode))


def _put_in_place(fd: int, temp: Path | None, target: Path, folder_fd: int | None, shown) -> Path | None:
    """Make the written file ``fd`` the target; return the temporary name still to remove on failure."""
    replaced = _existing(target, shown)  # again: the target may have become something else while we wrote
    _keep_owner_and_mode(fd, replaced)
    os.fsync(fd)
    if temp is None:
        if replaced is None:
            try:
                _link(fd, folder_fd, target.name)
                return None
            except FileExistsError:  # someone made it meanwhile: replace theirs, as a rename would
                _keep_owner_and_mode(fd, _existing(target, shown))
        temp = _link_temporary(fd, target.parent, folder_fd)
    try:
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return None


def _open_folder(folder: Path, shown) -> int | None:
    """The folder, open to link into and to fsync (None where folders cannot be opened: Windows)."""
    if os.name != "posix":
        return None
    try:
        return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise OutputPathError(shown, os_error_reason(exc), exc.errno) from None


# ---------------------------------------------------------------------------------------------- writing


@contextlib.contextmanager
def atomic_output(path) -> Iterator[BinaryIO]:
    """A binary handle whose content replaces ``path`` (or the file a symlink at ``path`` points to) when the
    block succeeds.

    ``path`` is checked first (see ``check_output_path``). On any error ``path`` is untouched and no
    temporary is left. A new file gets the mode the umask gives; a replaced file keeps its mode.

    Raises
    ------
    OutputPathError
        The path may not be written, or opening, naming or renaming the file failed; an OSError raised
        inside the block (a full disk while writing) passes through unchanged.
    """
    shown = path
    target = check_output_path(path)
    folder = target.parent
    remove_stale_temporaries(folder)
    folder_fd = _open_folder(folder, shown)
    try:
        fd, temp = _open_temporary(folder, shown)
        try:
            with os.fdopen(fd, "wb") as handle:
                yield handle
                try:
                    handle.flush()
                    temp = _put_in_place(handle.fileno(), temp, target, folder_fd, shown)
                except OutputPathError:
                    raise
                except OSError as exc:
                    raise OutputPathError(shown, os_error_reason(exc), exc.errno) from None
        except BaseException:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
            raise
        if folder_fd is not None:
            with contextlib.suppress(OSError):  # not every file system can fsync a folder; the rename stands
                os.fsync(folder_fd)
    finally:
        if folder_fd is not None:
            os.close(folder_fd)


def write_atomically(path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see ``atomic_output``)."""
    with atomic_output(path) as handle:
        handle.write(data)


@contextlib.contextmanager
def staging_folder(destination) -> Iterator[Path]:
    """A new, empty, locked folder beside the folder ``destination`` (named like a temporary, mode from the
    umask), to fill and then move into place. It is removed if the block fails.
    """
    parent = Path(destination).parent
    remove_stale_temporaries(parent)
    while True:
        staging = parent / _temp_name()
        try:
            os.mkdir(staging, 0o777)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputPathError(destination, os_error_reason(exc), exc.errno) from None
        break
    fd = os.open(staging, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        _lock(fd)
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        os.close(fd)
