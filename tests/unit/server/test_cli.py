"""The warmline command: names, outputs and one-line errors operators rely on."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from server import __version__
from server.cli import main


@pytest.fixture
def flags(tmp_path: Path) -> list[str]:
    return ["--dev", "--data", str(tmp_path / "data"), "--domain", "cli.test"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:  # fmt: skip
    if stdin is not None and monkeypatch is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits on --version and misuse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.strip() == f"warmline {__version__}"


def test_member_create_then_token_create(
    flags: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["member", "create", "alice", "--display-name", "Alice", *flags], capsys)
    assert (code, out.strip(), err) == (0, "@alice@cli.test", "")
    code, out, err = run(["token", "create", "alice", "--scopes", "read write", *flags], capsys)
    assert code == 0 and err == ""
    token = one_line(out)
    assert len(token) >= 40 and " " not in token


def test_password_from_stdin(
    flags: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["member", "create", "bob", "--password-stdin", *flags]
    code, _, err = run(argv, capsys, stdin="", monkeypatch=monkeypatch)
    assert code == 1 and "no password arrived" in one_line(err)
    code, _, err = run(argv, capsys, stdin="short\n", monkeypatch=monkeypatch)
    assert code == 1 and "at least 8" in one_line(err)
    code, out, _ = run(argv, capsys, stdin="a long enough secret\n", monkeypatch=monkeypatch)
    assert code == 0 and out.strip() == "@bob@cli.test"


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["member", "create", "bad name"], 1, "only letters"),
        (["token", "create", "ghost"], 1, "no member called 'ghost'"),
        (["token", "create", "ghost", "--scopes", "rule"], 1, "unknown scope"),
        (["member", "create", "x", "--domain", "https://bad"], 2, "without scheme"),
        (["member", "create", "x", "--listen", "nope"], 2, "HOST:PORT"),
        (["member", "create", "x", "--listen", "127.0.0.1:99999"], 2, "between 1 and 65535"),
    ],
)
def test_refusals_are_one_clear_line(
    flags: list[str], capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    got, out, err = run([*argv[:3], *flags, *argv[3:]], capsys)
    assert got == code and out == ""
    line = one_line(err)
    assert line.startswith("warmline: error: ") and message in line


def test_duplicate_member(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    run(["member", "create", "carol", *flags], capsys)
    code, _, err = run(["member", "create", "CAROL", *flags], capsys)
    assert code == 1 and "already taken" in one_line(err)


@pytest.mark.parametrize(
    "argv",
    [[], ["member"], ["frobnicate"], ["serve", "--no-such-flag"], ["token", "create"]],
)
def test_misuse_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    line = one_line(err)
    assert line.startswith("warmline") and ": error: " in line and "--help" in line


def test_production_needs_a_domain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["member", "create", "x", "--data", str(tmp_path)], capsys)
    assert code == 2 and "no domain set" in one_line(err)


def test_console_script_is_installed() -> None:
    exe = shutil.which("warmline", path=str(Path(sys.executable).parent))
    assert exe, "the warmline console script is not installed next to this Python"
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == f"warmline {__version__}"


def test_member_update(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    run(["member", "create", "hana", *flags], capsys)
    argv = ["member", "update", "hana", "--headline", "CTO", "--field", "Site=https://h.example"]
    argv += flags
    code, out, err = run(argv, capsys)
    assert (code, out.strip(), err) == (0, "@hana@cli.test", "")
    code, _, err = run(["member", "update", "hana", "--field", "oops", *flags], capsys)
    assert code == 1 and "NAME=VALUE" in one_line(err)


def test_serve_with_an_unusable_database_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "warmline.sqlite3").mkdir()  # a folder where the database file should be
    flags = ["--dev", "--data", str(tmp_path), "--listen", "127.0.0.1:0", "--domain", "x.test"]
    done = subprocess.run(
        [sys.executable, "-m", "server", "serve", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert errors == [errors[0]] and errors[0].startswith("warmline: error: cannot open or migrate")


def _serve(*flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", "serve", "--dev", "--domain", "x.test", *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_on_a_taken_port_fails_in_one_line_and_creates_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve("--listen", f"127.0.0.1:{port}", "--data", str(tmp_path / "data"))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line == f"warmline: error: cannot listen on 127.0.0.1:{port}: address already in use"
    assert not (tmp_path / "data").exists()  # bound first: no database was made


def test_serve_with_a_folder_as_config_fails_in_one_line(tmp_path: Path) -> None:
    done = _serve("--config", str(tmp_path), "--data", str(tmp_path / "data"))
    assert done.returncode == 2
    assert (
        one_line(done.stderr) == f"warmline: error: config file {tmp_path} is a folder, not a file"
    )


def test_serve_with_an_unmakeable_data_folder_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    data = tmp_path / "file" / "data"
    done = _serve("--listen", "127.0.0.1:0", "--data", str(data))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith(f"warmline: error: cannot create the data folder {data}: ")
    assert "listening" not in done.stderr


def test_serve_logs_listening_once_it_is(tmp_path: Path) -> None:
    """The "listening" line comes once connections are accepted, naming the real port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--dev", "--domain", "x.test",
         "--listen", "127.0.0.1:0", "--data", str(tmp_path)],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        lines = iter(process.stderr.readline, "")
        line = next((line for line in lines if "listening" in line), "")
        assert "listening on 127.0.0.1:" in line, line
        port = int(line.split("listening on 127.0.0.1:")[1].split(",")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_member_administration(
    flags: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        run(["member", "create", "ann", "--display-name", "Ann Ames", "--admin", *flags], capsys)[0]
        == 0
    )
    assert run(["member", "create", "ben", *flags], capsys)[0] == 0
    code, out, err = run(
        ["member", "password", "ben", *flags], capsys, "a new secret\n", monkeypatch
    )
    assert (code, out.strip(), err) == (0, "password changed for @ben@cli.test", "")
    code, out, _ = run(["member", "role", "ben", "admin", *flags], capsys)
    assert (code, out.strip()) == (0, "@ben@cli.test is now an admin")
    code, out, _ = run(["member", "suspend", "ben", *flags], capsys)
    assert (code, out.strip()) == (0, "suspended @ben@cli.test")
    code, out, _ = run(["member", "list", *flags], capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[0].split() == ["USERNAME", "DISPLAY", "NAME", "ROLE", "STATE", "CREATED"]
    assert lines[1].split()[:5] == ["ann", "Ann", "Ames", "admin", "active"]
    assert lines[2].split()[:4] == ["ben", "-", "admin", "suspended"]
    created = lines[0].index("CREATED")  # the columns line up
    assert all(line[created : created + 4].isdigit() for line in lines[1:])
    code, out, _ = run(["member", "unsuspend", "ben", *flags], capsys)
    assert (code, out.strip()) == (0, "unsuspended @ben@cli.test")
    code, out, _ = run(["member", "delete", "ben", "--yes", *flags], capsys)
    assert (code, out.strip()) == (0, "deleted @ben@cli.test")
    code, out, _ = run(["member", "list", *flags], capsys)
    assert out.splitlines()[2].split()[:4] == ["ben", "-", "-", "deleted"]


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["member", "password", "ann"], "short\n", "at least 8"),
        (["member", "password", "ann"], "", "no password arrived"),
        (["member", "password", "ghost"], "long enough\n", "no member called 'ghost'"),
        (["member", "suspend", "ghost"], None, "no member called 'ghost'"),
        (["member", "unsuspend", "ann"], None, "is not suspended"),
        (["member", "delete", "ann"], "", "cannot be undone: add --yes"),
        (["member", "delete", "ghost", "--yes"], None, "no member called 'ghost'"),
    ],
)
def test_member_administration_refusals_are_one_line(
    flags: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    stdin: str | None,
    message: str,
) -> None:
    run(["member", "create", "ann", *flags], capsys)
    code, out, err = run([*argv, *flags], capsys, "" if stdin is None else stdin, monkeypatch)
    assert code == 1 and out == ""
    line = one_line(err)
    assert line.startswith("warmline: error: ") and message in line


def test_member_delete_asks_at_a_terminal(
    flags: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    run(["member", "create", "ann", *flags], capsys)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("nope\n"))
    code, _, err = run(["member", "delete", "ann", *flags], capsys)
    assert code == 1 and "Type the username" in err and "was not deleted" in err
    monkeypatch.setattr(sys, "stdin", Terminal("ann\n"))
    code, out, _ = run(["member", "delete", "ann", *flags], capsys)
    assert (code, out.strip()) == (0, "deleted @ann@cli.test")


def test_role_must_be_admin_or_member(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["member", "role", "ann", "owner", *flags], capsys)
    assert code == 2 and "invalid choice" in one_line(err)
