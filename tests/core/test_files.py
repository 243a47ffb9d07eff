"""The atomic writer: what it refuses, what it writes through, the names it can write, modes and fsyncs.

Every test runs twice where it matters: with Linux O_TMPFILE (the file has no name until it is complete)
and with the short-named temporary used where O_TMPFILE is not supported.
"""

from __future__ import annotations

import errno
import os
import socket
import stat

import pytest

from gradviz.core import files
from gradviz.core.files import atomic_output, write_atomically

needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")


@pytest.fixture(params=["o_tmpfile", "fallback"])
def writer(request, monkeypatch):
    """Which way the writer makes its hidden file: O_TMPFILE, or a short-named temporary."""
    if request.param == "o_tmpfile" and not getattr(files, "_use_o_tmpfile", False):
        pytest.skip("no O_TMPFILE here")
    monkeypatch.setattr(files, "_use_o_tmpfile", request.param == "o_tmpfile", raising=False)
    return request.param


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def listing(folder) -> list[str]:
    return sorted(os.listdir(folder))


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_refused(path, words: str) -> None:
    """Writing ``path`` raises one OSError line that names the path and ``words``."""
    with pytest.raises(OSError) as refused:
        write_atomically(path, b"new content")
    message = str(refused.value)
    assert message == f"cannot write {path}: {words}", message


# ---------------------------------------------------------------------------------------------- what is refused


@needs_root
def test_a_character_device_is_refused_and_left_as_it_was(tmp_path, writer):
    node = tmp_path / "node"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    before = os.lstat(node)
    assert_refused(node, "it is a character device, not a regular file")
    after = os.lstat(node)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert listing(tmp_path) == ["node"]


@needs_root
def test_a_block_device_is_refused(tmp_path, writer):
    node = tmp_path / "disk"
    os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(7, 200))
    assert_refused(node, "it is a block device, not a regular file")
    assert stat.S_ISBLK(os.lstat(node).st_mode)


def test_a_named_pipe_is_refused_and_never_opened(tmp_path, writer):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    # A reader is waiting, so a writer that opened the pipe would not block: it would write, and we would see it.
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert_refused(pipe, "it is a named pipe (FIFO), not a regular file")
        assert os.read(reader, 100) == b""  # end of file: no writer holds the pipe and none wrote to it
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert listing(tmp_path) == ["pipe"]


def test_a_socket_is_refused(tmp_path, writer, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short relative name: socket paths are limited to 107 bytes
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sock")
        assert_refused(tmp_path / "sock", "it is a socket, not a regular file")
        assert stat.S_ISSOCK(os.lstat(tmp_path / "sock").st_mode)
    finally:
        server.close()


def test_a_folder_is_refused_and_left_as_it_was(tmp_path, writer):
    (tmp_path / "out.json").mkdir()
    (tmp_path / "out.json" / "inside").write_bytes(b"kept")
    assert_refused(tmp_path / "out.json", "it is a folder")
    assert (tmp_path / "out.json" / "inside").read_bytes() == b"kept"


def test_a_symlink_to_a_device_is_refused(tmp_path, writer):
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to("pipe")
    assert_refused(tmp_path / "link", "it is a named pipe (FIFO), not a regular file")
    assert os.readlink(tmp_path / "link") == "pipe" and stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_is_refused(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OSError) as refused:
        write_atomically(name, b"x")
    assert str(refused.value) == "no file name given"
    assert listing(tmp_path) == []


def test_a_missing_folder_is_one_line(tmp_path, writer):
    assert_refused(tmp_path / "missing" / "net.json", f"no such folder {tmp_path / 'missing'}")
    assert listing(tmp_path) == []


# ---------------------------------------------------------------------------------------------- symlinks


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path, writer, umask_022):
    real = tmp_path / "real.json"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to("real.json")
    write_atomically(link, b"new content")
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert real.read_bytes() == b"new content"
    assert mode(real) == 0o600  # the target's mode, kept
    assert listing(tmp_path) == ["link.json", "real.json"]


def test_a_link_into_another_folder_writes_there(tmp_path, writer):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "net.json").write_bytes(b"old")
    (tmp_path / "here").mkdir()
    link = tmp_path / "here" / "net.json"
    link.symlink_to(tmp_path / "data" / "net.json")
    write_atomically(link, b"new")
    assert (tmp_path / "data" / "net.json").read_bytes() == b"new"
    assert link.is_symlink() and listing(tmp_path / "here") == ["net.json"] and listing(tmp_path / "data") == ["net.json"]


def test_a_dangling_link_gets_its_target_made(tmp_path, writer, umask_022):
    (tmp_path / "data").mkdir()
    link = tmp_path / "net.json"
    link.symlink_to("data/net.json")
    write_atomically(link, b"new")
    assert link.is_symlink() and os.readlink(link) == "data/net.json"
    assert (tmp_path / "data" / "net.json").read_bytes() == b"new"
    assert mode(tmp_path / "data" / "net.json") == 0o644


def test_a_dangling_link_into_a_missing_folder_is_one_line(tmp_path, writer):
    link = tmp_path / "net.json"
    link.symlink_to("nowhere/net.json")
    assert_refused(link, f"no such folder {tmp_path / 'nowhere'}")
    assert link.is_symlink() and listing(tmp_path) == ["net.json"]


def test_a_symlink_loop_is_one_line(tmp_path, writer):
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    assert_refused(tmp_path / "a", os.strerror(errno.ELOOP))


# ---------------------------------------------------------------------------------------------- long names


@pytest.mark.parametrize("length", [200, 246, 250, 255])
def test_any_name_the_file_system_accepts_is_written(tmp_path, writer, length):
    name = "n" * (length - 5) + ".json"
    assert len(name.encode()) == length
    seen = []
    with atomic_output(tmp_path / name) as handle:
        handle.write(b"content")
        seen = listing(tmp_path)
    assert listing(tmp_path) == [name]
    assert (tmp_path / name).read_bytes() == b"content"
    # While it was written, no name in the folder was longer than the target's.
    assert all(len(entry.encode()) <= length for entry in seen)


def test_a_name_the_file_system_refuses_is_one_line(tmp_path, writer):
    name = "n" * 291 + ".png"
    assert_refused(tmp_path / name, os.strerror(errno.ENAMETOOLONG))
    assert listing(tmp_path) == []


@pytest.mark.skipif(not getattr(files, "_use_o_tmpfile", False), reason="no O_TMPFILE here")
def test_with_o_tmpfile_the_file_has_no_name_until_it_is_complete(tmp_path):
    (tmp_path / "old.json").write_bytes(b"old")
    with atomic_output(tmp_path / "new.json") as handle:
        handle.write(b"x" * 100_000)
        assert listing(tmp_path) == ["old.json"]
    with atomic_output(tmp_path / "old.json") as handle:
        handle.write(b"replaced")
        assert listing(tmp_path) == ["new.json", "old.json"]
    assert (tmp_path / "old.json").read_bytes() == b"replaced"


# ---------------------------------------------------------------------------------------------- modes, fsync, failures


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_new_file_gets_the_umask_mode(tmp_path, writer, umask, expected):
    previous = os.umask(umask)
    try:
        write_atomically(tmp_path / "new.json", b"x")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "new.json") == expected


@pytest.mark.parametrize("kept", [0o600, 0o640, 0o755])
def test_a_replaced_file_keeps_its_mode(tmp_path, writer, umask_022, kept):
    path = tmp_path / "net.json"
    path.write_bytes(b"old")
    path.chmod(kept)
    write_atomically(path, b"new")
    assert mode(path) == kept and path.read_bytes() == b"new"


def test_the_file_is_fsynced_before_its_rename_and_the_folder_after(tmp_path, writer, monkeypatch):
    (tmp_path / "net.json").write_bytes(b"old")
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        return real_fsync(fd)

    def replace(source, target):
        events.append("rename")
        return real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomically(tmp_path / "net.json", b"new")
    assert events == ["fsync file", "rename", "fsync folder"]


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path, writer):
    path = tmp_path / "net.json"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="drawing failed"):
        with atomic_output(path) as handle:
            handle.write(b"half")
            raise RuntimeError("drawing failed")
    assert path.read_bytes() == b"old" and listing(tmp_path) == ["net.json"]


def test_a_file_too_big_for_its_limit_is_one_line_and_leaves_the_old_file(tmp_path, writer):
    """A real write error from the kernel (EFBIG past RLIMIT_FSIZE), in a child so the limit stays there."""
    import subprocess
    import sys

    path = tmp_path / "net.json"
    path.write_bytes(b"old")
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from gradviz.core import files\n"
        f"files._use_o_tmpfile = {writer == 'o_tmpfile'}\n"
        "try:\n"
        "    files.write_atomically(sys.argv[1], b'x' * 100_000)\n"
        "except OSError as exc:\n"
        "    print(files.write_error_message(sys.argv[1], exc))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"cannot write {path}: {os.strerror(errno.EFBIG)}\n"
    assert path.read_bytes() == b"old" and listing(tmp_path) == ["net.json"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to become another user")
def test_a_folder_another_user_cannot_write_is_one_line(tmp_path, writer):
    """A child process that has become the user nobody writes into a folder only root may write to."""
    import subprocess
    import sys

    folder = tmp_path / "roots"
    folder.mkdir(mode=0o755)
    script = (
        "import os, sys\n"
        "from gradviz.core import files\n"  # before becoming nobody, who may not read the interpreter's library
        f"files._use_o_tmpfile = {writer == 'o_tmpfile'}\n"
        "os.setgid(65534); os.setuid(65534)\n"
        "try:\n"
        "    files.write_atomically(sys.argv[1], b'x')\n"
        "except OSError as exc:\n"
        "    print(files.write_error_message(sys.argv[1], exc))\n"
    )
    target = folder / "net.json"
    done = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"cannot write {target}: permission denied\n"
    assert listing(folder) == []
