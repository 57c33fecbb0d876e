"""``warmline status`` on a database with queue rows, failing hosts, processes
and errors (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cliutil import one_line, run
from queuerows import DOWN_ERROR, EXPECTED, GONE_ERROR, INBOX_ERROR, add_queue_rows

from server.store import Database


def _flags(url: str) -> list[str]:
    return ["--dev", "--domain", "a.test", "--database-url", url]


async def test_status_prints_queues_processes_hosts_and_errors(
    db: Database, migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await add_queue_rows(db, datetime.now(UTC))
    code, out, err = await asyncio.to_thread(
        run, ["status", *_flags(migrated_database_url)], capsys
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    heading = lines[1].split()
    assert heading[:3] == ["QUEUE", "WAITING", "DUE"]
    rows = {line.split()[0]: line.split() for line in lines[2:5]}
    for name, want in EXPECTED.items():
        assert rows[name][1:5] == [str(want[k]) for k in ("waiting", "due", "claimed", "failed")]
    assert rows["deliveries"][5:9] == ["2", "h", "0", "min"]  # the delivery queued 2 h ago
    assert rows["archives"][5:] == ["-", "-"]
    # Aligned: the counts end under the end of their heading.
    end = lines[1].index("FAILED") + len("FAILED")
    assert all(line[end - 1].isdigit() and line[end] == " " for line in lines[2:5])

    text = "\n".join(lines)
    assert "box 127.0.0.1:8080" in text and "box worker 4242" in text
    dead = next(line for line in lines if "box worker 4242" in line)
    assert "taken for dead" in dead
    live = next(line for line in lines if "box 127.0.0.1:8080" in line)
    assert "taken for dead" not in live

    states = {h: next(line for line in lines if line.strip().startswith(h)) for h in
              ("down.test", "open.test", "gone.test")}  # fmt: skip
    assert "backing off" in states["down.test"] and DOWN_ERROR in states["down.test"]
    assert "circuit open until" in states["open.test"]
    assert "given up" in states["gone.test"] and GONE_ERROR in states["gone.test"]

    errors = text.split("Recent errors")[1]
    assert f"HTTP 410: {GONE_ERROR}" in errors
    assert "retry at" in errors and DOWN_ERROR in errors
    assert INBOX_ERROR in errors and "Create from http://b.test/users/bob" in errors


async def test_status_as_json(
    db: Database, migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await add_queue_rows(db, datetime.now(UTC))
    argv = ["status", "--json", "--errors", "1", *_flags(migrated_database_url)]
    code, out, err = await asyncio.to_thread(run, argv, capsys)
    assert (code, err) == (0, "")
    found = json.loads(one_line(out))
    queues = {q["name"]: q for q in found["queues"]}
    for name, want in EXPECTED.items():
        assert {k: queues[name][k] for k in want} == want
    assert {p["name"]: p["alive"] for p in found["processes"]} == {
        "box 127.0.0.1:8080": True,
        "box worker 4242": False,
    }
    assert {h["host"]: h["state"] for h in found["hosts"]} == {
        "down.test": "backing off",
        "open.test": "circuit open",
        "gone.test": "given up",
    }
    assert [(e["queue"], e["error"]) for e in found["errors"]] == [
        ("deliveries", GONE_ERROR),
        ("inbox", INBOX_ERROR),
    ]
    datetime.fromisoformat(found["now"].replace("Z", "+00:00"))


async def test_status_of_an_empty_database_says_so(
    migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = await asyncio.to_thread(run, ["status", *_flags(migrated_database_url)], capsys)
    assert code == 0
    assert "none registered" in out and "\n  none\n" in out


def test_status_refuses_a_negative_count(
    migrated_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["status", "--errors", "-1", *_flags(migrated_database_url)]
    code, _, err = run(argv, capsys)
    assert code == 1
    assert one_line(err) == "warmline: error: --errors and --hosts take a number of 0 or more"


def test_status_of_a_missing_database_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "no-such-folder"
    code, out, err = run(["status", "--dev", "--data", str(data)], capsys)
    assert (code, out) == (1, "")
    assert one_line(err) == (
        f"warmline: error: no database at {data}/warmline.sqlite3: "
        "is --data (or --database-url) right?"
    )
    assert not data.exists()
