"""`--out` follows the same rules for every command that writes: a device, pipe or folder is refused in one
line and left untouched, a symlink is written through, any name the file system accepts is written, a name it
refuses is one line, and an empty name is an error, never a silent run that writes nothing."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from gradviz.files.sniff import load_network
from tests.helpers import assert_one_line_error, run_cli

needs_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")

TRAIN = ("train", "--preset", "tiny-sigmoid", "--steps", "2")
EXPORT = ("export", "--preset", "tiny-sigmoid", "--width", "64")


def is_png(path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(8) == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------------- devices and pipes


@needs_root
@pytest.mark.parametrize(("command", "name"), [(TRAIN, "node"), (EXPORT, "node.png")])
def test_a_device_as_out_is_refused_and_left_as_it_was(qapp, tmp_path, capsys, command, name):
    node = tmp_path / name
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    before = os.lstat(node)
    assert_one_line_error(*run_cli(capsys, *command, "--out", str(node)),
                          f"cannot write {node}: it is a character device, not a regular file")  # fmt: skip
    after = os.lstat(node)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert os.listdir(tmp_path) == [name]


@pytest.mark.parametrize(("command", "name"), [(TRAIN, "pipe"), (EXPORT, "pipe.png")])
def test_a_named_pipe_as_out_is_refused_without_blocking(qapp, tmp_path, capsys, command, name):
    pipe = tmp_path / name
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # so that a wrongful open for writing would not hang
    try:
        assert_one_line_error(*run_cli(capsys, *command, "--out", str(pipe)), "it is a named pipe (FIFO), not a regular file")
        assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_train_refuses_a_bad_out_before_training(tmp_path, capsys, monkeypatch):
    from gradviz.core import training

    trained = []
    monkeypatch.setattr(training, "train", lambda *args: trained.append(args))
    (tmp_path / "net.json").mkdir()
    assert_one_line_error(*run_cli(capsys, *TRAIN, "--out", str(tmp_path / "net.json")), "it is a folder")
    assert trained == []


# ---------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize("command", [TRAIN, EXPORT])
def test_a_name_too_long_for_the_file_system_is_one_line(qapp, tmp_path, capsys, command):
    path = tmp_path / ("n" * 292 + ".png")
    assert_one_line_error(*run_cli(capsys, *command, "--out", str(path)), f"cannot write {path}: {os.strerror(errno.ENAMETOOLONG)}")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("length", [246, 255])
def test_train_writes_any_name_the_file_system_accepts(tmp_path, capsys, length):
    path = tmp_path / ("n" * (length - 5) + ".json")
    code, _, err = run_cli(capsys, *TRAIN, "--out", str(path))
    assert code == 0 and err == f"wrote {path}\n"
    assert load_network(path).name == "tiny-sigmoid"
    assert os.listdir(tmp_path) == [path.name]


@pytest.mark.parametrize("length", [246, 255])
def test_export_writes_any_name_the_file_system_accepts(qapp, tmp_path, capsys, length):
    path = tmp_path / ("n" * (length - 4) + ".png")
    code, _, err = run_cli(capsys, *EXPORT, "--out", str(path))
    assert code == 0 and err == f"wrote {path}\n"
    assert is_png(path) and os.listdir(tmp_path) == [path.name]


@pytest.mark.parametrize(("command", "option"), [(TRAIN, "--out"), (EXPORT, "--out")])
def test_an_empty_out_is_refused_for_every_command(qapp, tmp_path, capsys, monkeypatch, command, option):
    monkeypatch.chdir(tmp_path)
    assert_one_line_error(*run_cli(capsys, *command, option, ""), "argument --out: no file name given")
    assert os.listdir(tmp_path) == []


def test_an_empty_frames_dir_is_refused(qapp, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(capsys, *EXPORT, "--animate", "--frames-dir", "", "--out", str(tmp_path / "pass.gif"))
    assert_one_line_error(code, out, err, "argument --frames-dir: no folder name given")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------------------------------------- symlinks


def test_train_writes_through_a_symlink(tmp_path, capsys):
    (tmp_path / "kept").mkdir()
    real = tmp_path / "kept" / "net.json"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to("kept/net.json")
    code, _, _ = run_cli(capsys, *TRAIN, "--out", str(link))
    assert code == 0
    assert link.is_symlink() and os.readlink(link) == "kept/net.json"
    assert load_network(real).name == "tiny-sigmoid"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["kept", "latest.json"] and os.listdir(tmp_path / "kept") == ["net.json"]


def test_export_writes_through_a_dangling_symlink(qapp, tmp_path, capsys):
    (tmp_path / "slides").mkdir()
    link = tmp_path / "diagram.png"
    link.symlink_to("slides/diagram.png")
    code, _, _ = run_cli(capsys, *EXPORT, "--out", str(link))
    assert code == 0
    assert link.is_symlink() and is_png(tmp_path / "slides" / "diagram.png")
