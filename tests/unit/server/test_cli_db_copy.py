"""``warmline db copy --to URL``: an instance's SQLite database copied into an
empty PostgreSQL database, every table row for row; the copy serves; refusals
are one line."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sqlite3
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cliutil import one_line, run
from conftest import (
    ServerProcess,
    _fresh_pg_database,
    free_port,
    new_pg_database,
    start_on_a_free_port,
)
from PIL import Image
from sqlalchemy import insert, select

from server.cli_shared import with_services
from server.config import Config, load_config
from server.services import connections, graph, interactions, media, member_admin, members, posts
from server.store import Database, limits
from server.store.accounts import upsert_remote_account
from server.store.dbcopy import tables
from server.store.tables import inbox_items, processes, statuses, throttle_attempts

pytestmark = pytest.mark.usefixtures("postgres")


class Source:
    """A SQLite instance: its data folder and flags."""

    def __init__(self, data: Path) -> None:
        self.domain = "copy.test"
        self.data = data

    def flags(self) -> list[str]:
        return ["--dev", "--data", str(self.data), "--domain", self.domain]

    def config(self, database_url: str = "") -> Config:
        return load_config(
            environ={}, dev=True, domain=self.domain, data=str(self.data), database_url=database_url
        )


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


async def _seed(svc: Any) -> None:
    """Members, posts with a reply, an image, a favourite and a boost, a follow, a
    connection, a remote follower's delivery, an inbox item, throttle rows, and a
    reply stored before its parent (a smaller id referring to a larger one)."""
    db = svc.db
    await member_admin.ensure_demo_member(db, dev=True)
    ann, bob = await members.get_member(db, "ann"), await members.get_member(db, "bob")
    image = await media.upload(svc, ann, png(), description="a blue square")
    first = await posts.create_status(
        svc, ann, posts.Draft("hello from ann", media_ids=(image.id,))
    )
    reply = await posts.create_status(svc, bob, posts.Draft("hi ann", in_reply_to_id=first.id))
    await interactions.favourite(svc, bob, first.id)
    await interactions.reblog(svc, bob, first.id)
    await graph.follow(svc, bob, ann)
    asked = await connections.request(svc, ann, bob, "we met at the fair")
    await connections.answer(svc, bob, asked.id, accept=True)
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        remote = await upsert_remote_account(
            conn,
            {
                "username": "zed",
                "domain": "remote.example",
                "uri": "https://remote.example/users/zed",
                "inbox_url": "https://remote.example/users/zed/inbox",
                "shared_inbox_url": "https://remote.example/inbox",
                "fields": [{"name": "Site", "value": "x"}],
                "updated_at": now,
            },
            new_id=db.new_id(),
        )
        await conn.execute(
            insert(inbox_items).values(
                id=db.new_id(),
                activity_uri="https://remote.example/activities/1",
                activity_type="Create",
                actor_uri=remote.uri,
                payload=json.dumps({"type": "Create"}),
                next_attempt_at=now,
                received_at=now,
            )
        )
        for i in range(3):
            await limits.add_attempt(conn, "account:ann", 1_700_000_000.0 + i, None)
        # A stopped worker's heartbeat, long ago: not a live process.
        await conn.execute(
            insert(processes).values(
                id=db.new_id(),
                name="old worker",
                started_at=now,
                heartbeat_at=datetime(2020, 1, 1, tzinfo=UTC),
            )
        )
        row = dict(
            (await conn.execute(select(statuses).where(statuses.c.id == reply.id))).mappings().one()
        )
        row.update(id=ann.id - 1, uri=f"{row['uri']}-early", in_reply_to_id=first.id)
        row.pop("url", None)
        await conn.execute(insert(statuses).values(**row))
    await graph.follow(svc, ann, remote)  # a Follow to deliver: a queue row


def rows_by_table(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, by primary key (by value where a table has none)."""

    async def read() -> dict[str, list[tuple[Any, ...]]]:
        db = Database(url)
        try:
            async with db.read() as conn:
                found = {}
                for t in tables():
                    rows = [tuple(r) for r in (await conn.execute(select(t))).all()]
                    key = [t.columns.keys().index(c.name) for c in t.primary_key.columns]
                    found[t.name] = sorted(
                        rows, key=lambda r, k=key: tuple(r[i] for i in k) if k else repr(r)
                    )
                return found
        finally:
            await db.close()

    return asyncio.run(read())


@pytest.fixture
def source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Source:
    found = Source(tmp_path / "data")
    for name in ("ann", "bob"):
        assert run(["member", "create", name, *found.flags()], capsys)[0] == 0
    with_services(found.config(), _seed)
    return found


@pytest.fixture
def bare(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Source:
    """One member, nothing else: for the refusals."""
    found = Source(tmp_path / "bare")
    assert run(["member", "create", "ann", *found.flags()], capsys)[0] == 0
    return found


@pytest.fixture
def target(postgres: str) -> str:
    """A new, empty PostgreSQL database: the copy migrates it."""
    return new_pg_database(postgres)


@pytest.fixture
def migrated_target(postgres: str, postgres_template: str) -> str:
    """A migrated PostgreSQL database without a row: empty enough to copy into."""
    return asyncio.run(_fresh_pg_database(postgres, postgres_template))


def test_copy_is_row_for_row_and_serves(
    source: Source, target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = rows_by_table(source.config().effective_database_url)
    plain = target.replace("postgresql+asyncpg://", "postgresql://")  # normalised
    code, out, err = run(["db", "copy", "--to", plain, *source.flags()], capsys)
    assert (code, err) == (0, ""), err
    assert "row counts checked" in out and "media files" in out

    after = rows_by_table(target)
    filled = [name for name, rows in before.items() if rows]
    assert len(filled) >= 15, filled
    for name in before:
        assert after[name] == before[name], name

    # Sequences and ids continue: new rows through the services, no collision.
    async def write(svc: Any) -> None:
        ann = await members.get_member(svc.db, "ann")
        await posts.create_status(svc, ann, posts.Draft("after the move"))
        async with svc.db.transaction() as conn:
            await limits.add_attempt(conn, "account:bob", 1_800_000_000.0, None)
            ids = (await conn.execute(select(throttle_attempts.c.id))).scalars().all()
        assert len(ids) == 4 and max(ids) == 4

    with_services(source.config(target), write)

    # A real server on the PostgreSQL database serves the member and her posts.
    config = tmp_path / "served.toml"
    config.write_text(f'[server]\ndatabase_url = "{target}"\n[api]\nrate_limit_requests = 0\n')
    # Any free port: local ids follow the configured domain, not stored rows.
    started: list[ServerProcess] = []
    try:
        base = start_on_a_free_port(source.data, config, started).base_url
        with urllib.request.urlopen(f"{base}/api/v1/accounts/lookup?acct=ann") as answer:
            ann = json.load(answer)
        with urllib.request.urlopen(f"{base}/api/v1/accounts/{ann['id']}/statuses") as answer:
            texts = [s["content"] for s in json.load(answer)]
        assert any("hello from ann" in t for t in texts)
        assert any("after the move" in t for t in texts)
        request = urllib.request.Request(f"{base}/@ann", headers={"Accept": "text/html"})
        with urllib.request.urlopen(request) as answer:
            assert "hello from ann" in answer.read().decode()
    finally:
        for server in started:
            server.stop()
    assert not list(source.data.glob("*.sqlite3-journal"))


def test_dry_run_writes_nothing(
    bare: Source, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["db", "copy", "--to", target, "--dry-run", *bare.flags()], capsys)
    assert (code, err) == (0, ""), err
    assert one_line(out).startswith(f"would copy {len(tables())} tables")
    assert table_count(target) == 0  # not even migrated


def table_count(url: str) -> int:
    async def read() -> int:
        db = Database(url)
        try:
            async with db.read() as conn:
                found = await conn.exec_driver_sql(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                )
                return int(found.scalar_one())
        finally:
            await db.close()

    return asyncio.run(read())


def test_refuses_a_target_with_rows(
    bare: Source, migrated_target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["db", "copy", "--to", migrated_target, *bare.flags()], capsys)[0] == 0
    code, out, err = run(["db", "copy", "--to", migrated_target, *bare.flags()], capsys)
    assert code == 1 and out == ""
    assert "not empty" in one_line(err)


def test_refuses_while_a_worker_beats(
    bare: Source, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def beat(svc: Any) -> None:
        now = datetime.now(UTC)
        async with svc.db.transaction() as conn:
            await conn.execute(
                insert(processes).values(
                    id=svc.db.new_id(), name="host worker 42", started_at=now, heartbeat_at=now
                )
            )

    with_services(bare.config(), beat)
    code, _out, err = run(["db", "copy", "--to", target, "--dry-run", *bare.flags()], capsys)
    assert code == 1 and "stop the server" in one_line(err) and "host worker 42" in err
    args = ["db", "copy", "--to", target, "--dry-run", "--force", *bare.flags()]
    assert run(args, capsys)[0] == 0


@pytest.mark.parametrize(
    ("to", "says"),
    [
        ("not a url", "not a database URL"),
        ("sqlite:///elsewhere.sqlite3", "backup"),
        ("mysql://u@h/db", "postgresql:// URL"),
        ("postgresql://postgres@127.0.0.1:PORT/none", "cannot open the target"),
        ("postgresql://postgres@127.0.0.1", "database name"),
    ],
)
def test_refusals_are_one_line(
    bare: Source, to: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    to = to.replace("PORT", str(free_port()))
    code, out, err = run(["db", "copy", "--to", to, *bare.flags()], capsys)
    assert code in (1, 2) and out == ""
    assert says in one_line(err)


def test_refuses_a_source_that_is_not_warmline(
    tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "empty"
    data.mkdir()
    sqlite3.connect(data / "warmline.sqlite3").close()
    code, _out, err = run(["db", "copy", "--to", target, "--dev", "--data", str(data)], capsys)
    assert code == 1 and "not a Warmline database" in one_line(err)


def test_db_migrate_brings_a_new_database_to_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.store.database import migration_head

    code, out, err = run(["db", "migrate", "--dev", "--data", str(tmp_path / "new")], capsys)
    assert (code, err) == (0, "")
    assert one_line(out) == f"the database is at schema {migration_head()}"


def test_a_failed_copy_leaves_the_target_empty_and_runs_again(
    bare: Source, migrated_target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite keeps a name longer than its column allows; PostgreSQL refuses it."""
    path = bare.data / "warmline.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE accounts SET display_name = ? WHERE username = 'ann'", ("x" * 300,))
    code, out, err = run(["db", "copy", "--to", migrated_target, *bare.flags()], capsys)
    assert code == 1 and "copied" not in out
    assert "cannot copy accounts" in one_line(err) and "run the copy again" in err
    assert not any(rows_by_table(migrated_target).values())

    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE accounts SET display_name = 'Ann' WHERE username = 'ann'")
    code, _out, err = run(["db", "copy", "--to", migrated_target, *bare.flags()], capsys)
    assert (code, err) == (0, ""), err
    assert rows_by_table(migrated_target) == rows_by_table(bare.config().effective_database_url)


def test_refuses_without_asyncpg(
    bare: Source, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # as if it were not installed
    code, out, err = run(
        ["db", "copy", "--to", "postgresql://u@127.0.0.1/x", *bare.flags()], capsys
    )
    assert code == 1 and out == ""
    assert "asyncpg is not installed" in one_line(err)
