"""The README's first section: its two commands, what a plain launch opens, and how to get a preset (#17 item 9)."""

from __future__ import annotations

from pathlib import Path

from gradviz.cli import SUBCOMMANDS
from gradviz.names import DEFAULT_PRESET

README = Path(__file__).resolve().parents[1] / "README.md"


def first_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("\n## ", 1)[0]


def test_the_first_section_keeps_its_two_commands():
    section = first_section()
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/gradviz\n" in section
    assert 'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest\n' in section


def test_the_first_section_says_what_a_plain_launch_opens_and_how_to_get_a_preset():
    section = " ".join(first_section().split())
    assert "A plain `gradviz` opens the session that was on screen when the window last closed" in section
    assert f"the default preset, `{DEFAULT_PRESET}`" in section
    assert "`gradviz --preset NAME` opens a preset" in section
    assert "`gradviz presets` lists them" in section and "presets" in SUBCOMMANDS
