"""``warmline moderation ...``: suspend and limit one account from the command
line, undo, and read the moderation log."""

from __future__ import annotations

from pathlib import Path

import pytest
from cliutil import run


@pytest.fixture
def flags(tmp_path: Path) -> list[str]:
    return ["--dev", "--data", str(tmp_path / "data"), "--domain", "cli.test"]


def test_suspend_limit_undo_and_the_log(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["member", "create", "carl", *flags], capsys)[0] == 0

    assert run(["moderation", "suspend", "@carl", "--text", "spam", *flags], capsys) == (
        0, "@carl@cli.test is suspended\n", ""
    )  # fmt: skip
    _, out, _ = run(["member", "list", *flags], capsys)
    assert "suspended" in out
    assert run(["moderation", "unsuspend", "carl", *flags], capsys)[1] == (
        "@carl@cli.test is unsuspended\n"
    )
    assert run(["moderation", "silence", "carl@cli.test", *flags], capsys)[0] == 0
    assert run(["moderation", "unsilence", "carl", *flags], capsys)[1] == (
        "@carl@cli.test is no longer limited\n"
    )

    code, out, _ = run(["moderation", "log", *flags], capsys)
    lines = [line.split("  ", 1)[1] for line in out.splitlines()]
    assert code == 0 and lines == [
        "(command line)  unsilence  @carl@cli.test",
        "(command line)  silence  @carl@cli.test",
        "(command line)  unsuspend  @carl@cli.test",
        "(command line)  suspend  @carl@cli.test - spam",
    ]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["moderation", "suspend", "@nobody@far.example"], "no account '@nobody@far.example'"),
        (["moderation", "unsilence", "carl"], "@carl@cli.test is not limited"),
    ],
)
def test_mistakes_are_one_line(
    argv: list[str], says: str, flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["member", "create", "carl", *flags], capsys)[0] == 0
    code, out, err = run([*argv, *flags], capsys)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and says in err
