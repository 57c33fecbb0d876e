"""Running the ``warmline`` command in process, for the CLI tests."""

from __future__ import annotations

import pytest

from server.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``warmline ARGV``."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits on misuse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]
