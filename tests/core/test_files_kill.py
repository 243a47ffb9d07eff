"""A writer killed with SIGKILL: the target is the old or the new content, byte for byte, and the next write
into that folder leaves no temporary behind, while a writer still at work is not hurt.

A child process writes a large file through ``write``'s atomic writer and stops at a chosen moment (it says
so on a pipe, then waits on another pipe that the test never writes to); the test then kills it.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gradviz.core import files
from gradviz.core.files import write_atomically

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and pipes between processes are POSIX")

CHUNKS, CHUNK_BYTES, SEED = 64, 128 * 1024, 20
OLD = b"the old network\n" * 40_000
MOMENTS = ("opened", "half", "written", "linked", "replaced")

CHILD = r"""
import os, random, sys
from gradviz.core import files

target, use_o_tmpfile, stop_at, tell_fd, wait_fd, chunks, chunk_bytes, seed = sys.argv[1:]
files._use_o_tmpfile = use_o_tmpfile == "1"
tell_fd, wait_fd = int(tell_fd), int(wait_fd)

def moment(name):
    if name == stop_at:
        os.write(tell_fd, name.encode() + b"\n")
        os.read(wait_fd, 1)  # the parent kills us here, or lets us go on

real_replace = os.replace
def replace(source, destination):
    moment("linked")
    real_replace(source, destination)
    moment("replaced")
os.replace = replace

content = random.Random(int(seed)).randbytes(int(chunks) * int(chunk_bytes))
with files.atomic_output(target) as handle:
    moment("opened")
    for k in range(int(chunks)):
        if k == int(chunks) // 2:
            moment("half")
        handle.write(content[k * int(chunk_bytes) : (k + 1) * int(chunk_bytes)])
    moment("written")
"""


def new_content() -> bytes:
    """What the child writes: the same seeded bytes, made here independently of the writer."""
    return random.Random(SEED).randbytes(CHUNKS * CHUNK_BYTES)


class StoppedWriter:
    """A child process writing ``target``, stopped at ``moment`` until it is killed or let go."""

    def __init__(self, target: Path, moment: str, o_tmpfile: bool):
        self._tell_read, tell_write = os.pipe()
        wait_read, self._wait_write = os.pipe()
        argv = [sys.executable, "-c", CHILD, str(target), "1" if o_tmpfile else "0", moment, str(tell_write),
                str(wait_read), str(CHUNKS), str(CHUNK_BYTES), str(SEED)]  # fmt: skip
        self.process = subprocess.Popen(argv, pass_fds=(tell_write, wait_read), stderr=subprocess.PIPE)
        os.close(tell_write)
        os.close(wait_read)
        ready, _, _ = select.select([self._tell_read], [], [], 60)
        said = os.read(self._tell_read, 100) if ready else b""
        if said != moment.encode() + b"\n":
            self.process.kill()
            stderr = self.process.communicate()[1].decode()
            raise AssertionError(f"the writer did not reach {moment!r}: {said!r} {stderr}")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        assert self.process.wait(timeout=60) == -signal.SIGKILL
        self._close()

    def let_go(self) -> int:
        os.write(self._wait_write, b"g")
        code = self.process.wait(timeout=60)
        self._close()
        return code

    def _close(self) -> None:
        self.process.stderr.close()
        os.close(self._tell_read)
        os.close(self._wait_write)


@pytest.fixture(params=["o_tmpfile", "fallback"])
def o_tmpfile(request, monkeypatch):
    if request.param == "o_tmpfile" and not getattr(files, "_use_o_tmpfile", False):
        pytest.skip("no O_TMPFILE here")
    monkeypatch.setattr(files, "_use_o_tmpfile", request.param == "o_tmpfile", raising=False)
    return request.param == "o_tmpfile"


@pytest.mark.parametrize("moment", MOMENTS)
def test_a_killed_writer_leaves_old_or_new_content_and_the_next_write_tidies(tmp_path, o_tmpfile, moment):
    target = tmp_path / "big.bin"
    target.write_bytes(OLD)
    StoppedWriter(target, moment, o_tmpfile).kill()

    expected = new_content() if moment == "replaced" else OLD
    assert target.read_bytes() == expected
    leftovers = sorted(set(os.listdir(tmp_path)) - {"big.bin"})
    # Only a named temporary can outlive its writer: always in the fallback, with O_TMPFILE once it is linked.
    named = not o_tmpfile or moment == "linked"
    assert len(leftovers) == (1 if named and moment != "replaced" else 0), leftovers

    write_atomically(tmp_path / "next.json", b"{}")
    assert sorted(os.listdir(tmp_path)) == ["big.bin", "next.json"]
    assert target.read_bytes() == expected


def test_a_writer_at_work_is_not_hurt_by_another_write_into_its_folder(tmp_path, o_tmpfile):
    target = tmp_path / "big.bin"
    target.write_bytes(OLD)
    writer = StoppedWriter(target, "half", o_tmpfile)
    working = sorted(os.listdir(tmp_path))
    write_atomically(tmp_path / "other.json", b"{}")
    assert sorted(os.listdir(tmp_path)) == sorted([*working, "other.json"])  # its temporary is still there
    assert writer.let_go() == 0
    assert target.read_bytes() == new_content()
    assert sorted(os.listdir(tmp_path)) == ["big.bin", "other.json"]


STAGING_CHILD = r"""
import os, sys
from gradviz.core import files

destination, tell_fd, wait_fd = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with files.staging_folder(destination) as staging:
    files.write_atomically(os.path.join(staging, "frame_001.png"), b"frame")
    os.write(tell_fd, b"staged\n")
    os.read(wait_fd, 1)
"""


def test_a_killed_frames_export_leaves_a_staging_folder_that_the_next_write_removes(tmp_path):
    tell_read, tell_write = os.pipe()
    wait_read, wait_write = os.pipe()
    child = subprocess.Popen([sys.executable, "-c", STAGING_CHILD, str(tmp_path / "frames"), str(tell_write), str(wait_read)],
                             pass_fds=(tell_write, wait_read))  # fmt: skip
    os.close(tell_write)
    os.close(wait_read)
    try:
        ready, _, _ = select.select([tell_read], [], [], 60)
        assert ready and os.read(tell_read, 100) == b"staged\n"
        staged = os.listdir(tmp_path)
        assert len(staged) == 1 and os.listdir(tmp_path / staged[0]) == ["frame_001.png"]
        write_atomically(tmp_path / "other.json", b"{}")  # the writer is alive: its folder stays
        assert sorted(os.listdir(tmp_path)) == sorted([*staged, "other.json"])
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        child.kill()
        os.close(tell_read)
        os.close(wait_write)
    write_atomically(tmp_path / "other.json", b"{}")
    assert os.listdir(tmp_path) == ["other.json"]
