"""warmline member import-linkedin USERNAME FILE [--dry-run] [--replace]."""

from __future__ import annotations

from pathlib import Path

import linkedin_samples as samples
import pytest
from cliutil import run


@pytest.fixture
def flags(tmp_path: Path) -> list[str]:
    return ["--dev", "--data", str(tmp_path / "data"), "--domain", "cli.test"]


def test_import_prints_the_report(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["member", "create", "jane", *flags], capsys)[0] == 0
    export = tmp_path / "export.zip"
    export.write_bytes(samples.english_old())
    code, out, err = run(
        ["member", "import-linkedin", "jane", str(export), "--dry-run", *flags], capsys
    )
    assert (code, err) == (0, "")
    assert "would add 2 positions, 1 school, 2 skills" in out
    assert "Nothing was changed" in out
    assert "warning: Positions.csv row 3: no title, skipped" in out
    code, out, _ = run(["member", "import-linkedin", "jane", str(export), *flags], capsys)
    assert code == 0 and "added 2 positions" in out
    code, out, _ = run(["member", "import-linkedin", "jane", str(export), *flags], capsys)
    assert code == 0 and "no new entries" in out


def test_refusals_are_one_line(
    flags: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["member", "create", "jane", *flags], capsys)[0] == 0
    bad = tmp_path / "bad.zip"
    bad.write_bytes(samples.traversal())
    code, out, err = run(["member", "import-linkedin", "jane", str(bad), *flags], capsys)
    assert code != 0 and out == "" and "outside itself" in err
    code, _, err = run(
        ["member", "import-linkedin", "jane", str(tmp_path / "none.zip"), *flags], capsys
    )
    assert code != 0 and "cannot read" in err
    export = tmp_path / "export.zip"
    export.write_bytes(samples.english_old())
    code, _, err = run(["member", "import-linkedin", "nobody", str(export), *flags], capsys)
    assert code != 0 and err.strip()
