"""``warmline domain ...``: server-wide domain blocks and the allowlist from the
command line; names in one spelling, Mastodon's CSV both ways, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cliutil import one_line, run

MASTODON_EXPORT = """\
#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
spam.example,suspend,false,false,Spam and harassment,false
loud.example,silence,true,false,,false
quiet.example,noop,false,true,"Reports, mostly",true
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def flags(data: Path) -> list[str]:
    return ["--dev", "--data", str(data), "--domain", "cli.test"]


def blocks(flags: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, err = run(["domain", "list", "--json", *flags], capsys)
    assert code == 0 and err == ""
    found = [json.loads(line) for line in out.splitlines()]
    return {b["domain"]: b for b in found}


def test_block_stores_one_spelling_and_a_second_block_updates(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["domain", "block", "Bücher.Example.", *flags], capsys)
    assert (code, out.strip(), err) == (0, "blocked xn--bcher-kva.example (suspend)", "")
    block = blocks(flags, capsys)["xn--bcher-kva.example"]
    assert block["severity"] == "suspend"  # the CLI's default
    assert (block["reject_media"], block["reject_reports"], block["obfuscate"]) == (
        False,
        False,
        False,
    )
    argv = ["domain", "block", "bücher.example", "--severity", "limit", "--reject-media"]
    argv += ["--public-comment", "Spam", "--private-comment", "ticket 12"]
    code, out, err = run([*argv, *flags], capsys)
    assert code == 0 and err == ""
    assert one_line(out) == "updated the block on xn--bcher-kva.example (silence, reject-media)"
    block = blocks(flags, capsys)["xn--bcher-kva.example"]
    assert (block["severity"], block["reject_media"]) == ("silence", True)  # limit is silence
    assert (block["public_comment"], block["private_comment"]) == ("Spam", "ticket 12")
    # Options not given stay as they were; --no-FLAG turns one off.
    code, out, _ = run(["domain", "block", "XN--BCHER-KVA.example", *flags], capsys)
    assert code == 0 and "was blocked already (silence, reject-media); nothing changed" in out
    code, out, _ = run(["domain", "block", "bücher.example", "--no-reject-media", *flags], capsys)
    assert code == 0 and one_line(out).endswith("(silence)")
    assert list(blocks(flags, capsys)) == ["xn--bcher-kva.example"]


def test_block_flags_and_the_issue_example(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["domain", "block", "example.org", "--severity", "suspend", *flags], capsys)
    assert (code, out.strip()) == (0, "blocked example.org (suspend)")
    argv = ["domain", "block", "noisy.example", "--severity", "noop", "--reject-media"]
    argv += ["--reject-reports", "--obfuscate"]
    code, out, _ = run([*argv, *flags], capsys)
    assert code == 0
    assert out.strip() == "blocked noisy.example (noop, reject-media,reject-reports,obfuscate)"
    found = blocks(flags, capsys)
    assert list(found) == ["example.org", "noisy.example"]
    assert all(found["noisy.example"][k] for k in ("reject_media", "reject_reports", "obfuscate"))


def test_list_is_a_table(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["domain", "list", *flags], capsys)
    assert code == 0 and err == "" and out.startswith("no blocked domains")
    code, out, _ = run(["domain", "list", "--json", *flags], capsys)
    assert (code, out) == (0, "")
    argv = ["domain", "block", "b.example", "--severity", "silence", "--reject-reports"]
    run([*argv, "--public-comment", "Too much\nspam", *flags], capsys)
    run(["domain", "block", "a.example", *flags], capsys)
    code, out, err = run(["domain", "list", *flags], capsys)
    assert code == 0 and err == ""
    header, *lines = out.strip().splitlines()
    assert header.split() == ["DOMAIN", "SEVERITY", "FLAGS", "PUBLIC", "COMMENT", "CREATED"]
    assert [line.split()[:3] for line in lines] == [
        ["a.example", "suspend", "-"],
        ["b.example", "silence", "reject-reports"],
    ]
    assert "Too much spam" in lines[1]  # one line per block, whatever the comment holds
    created = blocks(flags, capsys)["a.example"]["created_at"]
    assert lines[0].endswith(str(created)[:10])


def test_unblock(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    run(["domain", "block", "bad.example", "--severity", "silence", *flags], capsys)
    code, out, err = run(["domain", "unblock", "BAD.example.", *flags], capsys)
    assert (code, out.strip(), err) == (0, "unblocked bad.example (was silence)", "")
    assert blocks(flags, capsys) == {}
    code, out, err = run(["domain", "unblock", "bad.example", *flags], capsys)
    assert code == 1 and out == ""
    assert one_line(err) == "warmline: error: bad.example is not blocked"
    code, out, err = run(["domain", "unblock", "never.example", *flags], capsys)
    assert code == 1 and one_line(err) == "warmline: error: never.example is not blocked"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["domain", "block", "x.example", "--severity", "ban"], 1, "severity must be one of"),
        (["domain", "block", "not a domain"], 1, "not a domain name"),
        (["domain", "block", "cli.test"], 1, "would cover this server itself"),
        (["domain", "unblock", "a/b"], 1, "not a domain name"),
        (["domain", "allow", "-"], 1, "not a domain name"),
        (["domain", "disallow", "x.example"], 1, "x.example is not on the allowlist"),
        (["domain", "import", "missing.csv"], 1, "cannot read missing.csv"),
        (["domain", "block"], 2, "DOMAIN"),
        (["domain", "frobnicate"], 2, "invalid choice"),
        (["domain"], 2, "ACTION"),
    ],
)
def test_refusals_are_one_line(
    flags: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    code: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    got, out, err = run([*argv, *flags], capsys)
    assert got == code and out == ""
    line = one_line(err)
    assert line.startswith("warmline") and ": error: " in line and message in line
    assert "Traceback" not in err


def test_allowlist(flags: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(["domain", "allows", *flags], capsys)
    assert code == 0 and out.startswith("no allowed domains")
    assert "allowlist_mode = true" in one_line(err)  # a reminder: the list does nothing yet
    config = tmp_path / "warmline.toml"
    config.write_text("[federation]\nallowlist_mode = true\n")
    flags = [*flags, "--config", str(config)]
    code, out, err = run(["domain", "allow", "Friends.Example.", *flags], capsys)
    assert (code, out.strip(), err) == (0, "allowed friends.example", "")
    code, out, err = run(["domain", "allow", "friends.example", *flags], capsys)
    assert (code, out.strip(), err) == (0, "friends.example was allowed already", "")
    run(["domain", "allow", "bücher.example", *flags], capsys)
    code, out, err = run(["domain", "allows", *flags], capsys)
    assert code == 0 and err == ""
    header, *lines = out.strip().splitlines()
    assert header.split() == ["DOMAIN", "CREATED"]
    assert [line.split()[0] for line in lines] == ["friends.example", "xn--bcher-kva.example"]
    code, out, err = run(["domain", "disallow", "FRIENDS.example", *flags], capsys)
    assert (code, out.strip(), err) == (0, "disallowed friends.example", "")
    code, out, err = run(["domain", "disallow", "friends.example", *flags], capsys)
    assert code == 1 and out == ""
    assert one_line(err) == "warmline: error: friends.example is not on the allowlist"
    _, out, _ = run(["domain", "allows", *flags], capsys)
    assert "friends.example" not in out and "xn--bcher-kva.example" in out


def test_export_then_import_into_a_fresh_data_dir(
    flags: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(["domain", "block", "Bücher.Example", *flags], capsys)
    argv = ["domain", "block", "loud.example", "--severity", "silence", "--reject-media"]
    argv += ["--public-comment", 'Says "hi", loudly', "--private-comment", "secret"]
    run([*argv, *flags], capsys)
    run(["domain", "block", "hidden.example", "--severity", "noop", "--obfuscate", *flags], capsys)
    code, text, err = run(["domain", "export", *flags], capsys)
    assert code == 0 and err == ""
    assert text.splitlines()[0] == (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    )
    assert "secret" not in text  # admin-only comments stay home
    target = tmp_path / "blocks.csv"
    code, out, err = run(["domain", "export", str(target), *flags], capsys)
    assert (code, out.strip(), err) == (0, f"exported 3 domain blocks to {target}", "")
    assert target.read_text(encoding="utf-8") == text

    fresh = ["--dev", "--data", str(tmp_path / "fresh"), "--domain", "other.test"]
    code, out, err = run(["domain", "import", str(target), *fresh], capsys)
    assert (code, out.strip(), err) == (0, "added 3, updated 0, unchanged 0, bad lines 0", "")

    def comparable(found: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
        skip = {"id", "created_at", "updated_at", "private_comment"}
        return {d: {k: v for k, v in b.items() if k not in skip} for d, b in found.items()}

    assert comparable(blocks(fresh, capsys)) == comparable(blocks(flags, capsys))
    assert run(["domain", "export", *fresh], capsys)[1] == text
    code, out, _ = run(["domain", "import", str(target), *fresh], capsys)
    assert (code, out.strip()) == (0, "added 0, updated 0, unchanged 3, bad lines 0")


def test_import_reports_bad_lines_and_keeps_the_rest(
    flags: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(["domain", "block", "old.example", "--severity", "silence", *flags], capsys)
    source = tmp_path / "list.csv"
    source.write_text(
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        "good.example,suspend,false,false,,false\n"
        "not a domain,suspend,false,false,,false\n"
        "old.example,suspend,true,false,,false\n"
        "\n"
        "worse.example,obliterate,false,false,,false\n"
        "cli.test,suspend,false,false,,false\n",
        encoding="utf-8",
    )
    code, out, err = run(["domain", "import", str(source), *flags], capsys)
    assert code == 1
    assert out.strip() == "added 1, updated 1, unchanged 0, bad lines 3"
    lines = err.strip().splitlines()
    assert len(lines) == 3 and "Traceback" not in err
    assert lines[0].startswith("warmline: error: line 3: not a domain name")
    assert lines[1].startswith("warmline: error: line 6: severity must be one of")
    assert lines[2] == "warmline: error: line 7: A block of cli.test would cover this server itself"
    found = blocks(flags, capsys)
    assert sorted(found) == ["good.example", "old.example"]
    assert (found["old.example"]["severity"], found["old.example"]["reject_media"]) == (
        "suspend",
        True,
    )


def test_import_reads_mastodons_export(
    flags: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "domain_blocks.csv"
    source.write_bytes(b"\xef\xbb\xbf" + MASTODON_EXPORT.encode())  # as a spreadsheet saves it
    code, out, err = run(["domain", "import", str(source), *flags], capsys)
    assert (code, out.strip(), err) == (0, "added 3, updated 0, unchanged 0, bad lines 0", "")
    found = blocks(flags, capsys)
    assert found["spam.example"]["severity"] == "suspend"
    assert found["spam.example"]["public_comment"] == "Spam and harassment"
    assert (found["loud.example"]["severity"], found["loud.example"]["reject_media"]) == (
        "silence",
        True,
    )
    quiet = found["quiet.example"]
    assert (quiet["severity"], quiet["reject_reports"], quiet["obfuscate"]) == ("noop", True, True)
    assert quiet["public_comment"] == "Reports, mostly"
    # Exporting gives Mastodon's format back.
    assert (
        run(["domain", "export", *flags], capsys)[1].splitlines()[0]
        == (MASTODON_EXPORT.splitlines()[0])
    )


def test_import_reads_a_plain_list_from_stdin(
    flags: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("one.example\n# a comment\nTwo.Example.\n"))
    code, out, err = run(["domain", "import", "-", *flags], capsys)
    assert (code, out.strip(), err) == (0, "added 2, updated 0, unchanged 0, bad lines 0", "")
    found = blocks(flags, capsys)
    assert sorted(found) == ["one.example", "two.example"]
    assert {b["severity"] for b in found.values()} == {"suspend"}


def test_as_a_process(data: Path, tmp_path: Path) -> None:
    """The installed command: exit statuses and stderr as a shell script sees them."""
    base = [sys.executable, "-m", "server", "domain"]
    flags = ["--dev", "--data", str(data), "--domain", "cli.test"]

    def call(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*base, *argv, *flags], capture_output=True, text=True, timeout=60, check=False
        )

    done = call("block", "example.org", "--severity", "suspend")
    assert (done.returncode, done.stdout.strip()) == (0, "blocked example.org (suspend)")
    done = call("unblock", "nowhere.example")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == "warmline: error: nowhere.example is not blocked"
    source = tmp_path / "bad.csv"
    source.write_text("fine.example\nno good\n", encoding="utf-8")
    done = call("import", str(source))
    assert done.returncode == 1 and done.stdout.strip().startswith("added 1,")
    assert done.stderr.strip().startswith("warmline: error: line 2: not a domain name")
    done = call("export")
    assert done.returncode == 0
    assert [line.split(",")[0] for line in done.stdout.splitlines()[1:]] == [
        "example.org",
        "fine.example",
    ]
