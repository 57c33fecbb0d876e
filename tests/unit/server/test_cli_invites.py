"""``warmline invite create|list|revoke``: the link alone on stdout, one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cliutil import run


@pytest.fixture
def flags(tmp_path: Path) -> list[str]:
    return ["--dev", "--data", str(tmp_path / "data"), "--domain", "cli.test"]


LINK = re.compile(r"^http://cli\.test/invite/([A-Za-z0-9_-]+)\n$")


def test_create_prints_the_link_alone(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["invite", "create", *flags], capsys)
    assert code == 0 and err == "" and LINK.match(out), out
    code, out, err = run(
        ["invite", "create", "--max-uses", "3", "--expires-in-days", "7", *flags], capsys
    )
    assert code == 0 and err == "" and LINK.match(out)


def test_list_shows_usable_invites_and_revoke_stops_one(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["invite", "list", *flags], capsys)
    assert code == 0 and out.startswith("no invite links in use")
    _, first, _ = run(["invite", "create", "--max-uses", "2", *flags], capsys)
    _, second, _ = run(["invite", "create", "--expires-in-days", "30", *flags], capsys)
    first_code = LINK.match(first).group(1)  # type: ignore[union-attr]
    second_code = LINK.match(second).group(1)  # type: ignore[union-attr]
    code, out, err = run(["invite", "list", *flags], capsys)
    assert code == 0 and err == ""
    header, *lines = out.strip().splitlines()
    assert header.split() == ["CODE", "USES", "EXPIRES", "CREATED", "LINK"]
    by_code = {line.split()[0]: line for line in lines}
    assert "0/2" in by_code[first_code] and "never" in by_code[first_code]
    assert "0/any" in by_code[second_code] and by_code[second_code].endswith(second.strip())
    code, out, err = run(["invite", "revoke", first_code, *flags], capsys)
    assert (code, out.strip(), err) == (0, f"revoked invite {first_code}", "")
    _, out, _ = run(["invite", "list", *flags], capsys)
    assert first_code not in out and second_code in out
    code, out, err = run(["invite", "revoke", second.strip(), *flags], capsys)  # a link works
    assert code == 0 and "no invite links in use" in run(["invite", "list", *flags], capsys)[1]


def test_refusals_are_one_line(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["invite", "revoke", "nope", *flags], capsys)
    assert code == 1 and out == ""
    assert err.strip() == "warmline: error: No such invite, or it was revoked already"
    code, out, err = run(["invite", "create", "--max-uses", "0", *flags], capsys)
    assert code == 1 and out == "" and "max uses must be between 1 and 1000" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(["invite", "create", "--expires-in-days", "400", *flags], capsys)
    assert code == 1 and "1 to 365 days" in err
    code, _, err = run(["invite", "create", "--max-uses", "many", *flags], capsys)
    assert code == 2 and "invalid int value" in err
    code, _, err = run(["invite", *flags], capsys)
    assert code == 2
