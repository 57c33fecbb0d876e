"""``warmline backup FILE`` and ``warmline restore FILE``: an online snapshot of
the database and the media, restored into a fresh instance as it was; refusals
(an existing FILE, a non-empty target, a foreign or damaged file, another
domain or dialect) are one line on stderr."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cliutil import one_line, run
from conftest import new_pg_database
from PIL import Image
from sqlalchemy import create_engine, select

from server.cli_shared import with_db, with_services
from server.config import Config, load_config
from server.services import media, members, posts
from server.store import Database, DatabaseError, snapshots
from server.store.database import alembic_config, migration_head
from server.store.tables import accounts, keys, media_attachments, statuses

DOMAIN = "backup.test"


class Instance:
    """The flags and config of one instance: a data folder, maybe a PostgreSQL URL."""

    def __init__(self, data: Path, database_url: str = "", domain: str = DOMAIN) -> None:
        self.data, self.url, self.domain = data, database_url, domain

    def flags(self) -> list[str]:
        found = ["--dev", "--data", str(self.data), "--domain", self.domain]
        return [*found, "--database-url", self.url] if self.url else found

    def config(self) -> Config:
        return load_config(
            environ={}, dev=True, domain=self.domain, data=str(self.data), database_url=self.url
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Instance, Instance]:
    """The instance backed up and a fresh one to restore into, on one backend."""
    if request.param == "sqlite":
        return Instance(tmp_path / "old"), Instance(tmp_path / "new")
    base = request.getfixturevalue("postgres")
    return (
        Instance(tmp_path / "old", new_pg_database(base)),
        Instance(tmp_path / "new", new_pg_database(base)),
    )


@pytest.fixture
def old(tmp_path: Path) -> Instance:
    return Instance(tmp_path / "old")


@pytest.fixture
def new(tmp_path: Path) -> Instance:
    return Instance(tmp_path / "new")


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def seed(instance: Instance, capsys: pytest.CaptureFixture[str]) -> None:
    """ann, with a post that has an image; bob with a plain one."""
    for name in ("ann", "bob"):
        assert run(["member", "create", name, *instance.flags()], capsys)[0] == 0

    async def write(svc: Any) -> None:
        ann = await members.get_member(svc.db, "ann")
        image = await media.upload(svc, ann, png(), description="a blue square")
        draft = posts.Draft("hello from ann", media_ids=(image.id,))
        await posts.create_status(svc, ann, draft)
        bob = await members.get_member(svc.db, "bob")
        await posts.create_status(svc, bob, posts.Draft("bob was here"))

    with_services(instance.config(), write)


def contents(instance: Instance) -> dict[str, Any]:
    """What must survive: accounts, keys (private halves too), posts, media rows and files."""

    async def read(db: Database) -> dict[str, Any]:
        async with db.read() as conn:
            found: dict[str, Any] = {}
            for table in (accounts, keys, statuses, media_attachments):
                rows = (await conn.execute(select(table).order_by(table.c.id))).all()
                found[table.name] = [tuple(row) for row in rows]
            return found

    found = with_db(instance.config(), read)
    folder = instance.data / "media"
    found["files"] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    return found


def test_a_backup_restores_into_a_fresh_instance_as_it_was(
    pair: tuple[Instance, Instance], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = pair
    seed(old, capsys)
    before = contents(old)
    assert len(before["files"]) == 2  # the image and its preview
    private = list(keys.c.keys()).index("private_pem")
    assert sum(1 for row in before["keys"] if row[private]) >= 4  # ann's and bob's, two each
    backup = tmp_path / "backup.tar"
    code, out, err = run(["backup", str(backup), *old.flags()], capsys)
    assert (code, err) == (0, "")
    assert one_line(out).startswith(f"backed up {DOMAIN} (")
    assert "2 media files" in out and str(backup) in out
    assert backup.stat().st_mode & 0o777 == 0o600  # it holds private keys

    with tarfile.open(backup) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "manifest.json" and len(names) == 4
    assert {k: manifest[k] for k in ("format", "format_version", "domain", "schema")} == {
        "format": "warmline-backup",
        "format_version": 1,
        "domain": DOMAIN,
        "schema": migration_head(),
    }
    assert manifest["dialect"] == ("postgresql" if old.url else "sqlite")

    code, out, err = run(["restore", str(backup), *new.flags()], capsys)
    assert (code, err) == (0, "")
    assert one_line(out).startswith(f"restored {backup} ({DOMAIN}, ")
    assert contents(new) == before
    code, out, _ = run(["member", "list", *new.flags()], capsys)
    assert code == 0 and "ann" in out and "bob" in out


def test_a_backup_has_what_is_committed_and_only_that(
    old: Instance, new: Instance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Commits still in the -wal file are in; a writer's open transaction is not,
    and the writer does not stop the backup."""
    seed(old, capsys)
    path = old.data / "warmline.sqlite3"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as writer:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute(
            "UPDATE statuses SET source_text = 'edited, committed'"
            " WHERE source_text = 'bob was here'"
        )
        assert Path(f"{path}-wal").stat().st_size > 0
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "UPDATE statuses SET source_text = 'not committed' WHERE source_text LIKE 'hello%'"
        )
        backup = tmp_path / "b.tar"
        code, _, err = run(["backup", str(backup), *old.flags()], capsys)
        writer.execute("ROLLBACK")
    assert (code, err) == (0, "")
    assert run(["restore", str(backup), *new.flags()], capsys)[0] == 0
    texts = {row["source_text"] for row in _rows(new, "statuses")}
    assert texts == {"hello from ann", "edited, committed"}


def _rows(instance: Instance, table: str) -> list[dict[str, Any]]:
    with contextlib.closing(sqlite3.connect(instance.data / "warmline.sqlite3")) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(f"SELECT * FROM {table}")]


def test_backup_refuses_to_overwrite_a_file_unless_forced(
    old: Instance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(old, capsys)
    backup = tmp_path / "b.tar"
    backup.write_text("precious")
    code, out, err = run(["backup", str(backup), *old.flags()], capsys)
    assert (code, out) == (1, "")
    assert (
        one_line(err) == f"warmline: error: {backup} exists already: pass --force to overwrite it"
    )
    assert backup.read_text() == "precious"
    code, _, err = run(["backup", str(backup), "--force", *old.flags()], capsys)
    assert (code, err) == (0, "")
    assert tarfile.is_tarfile(backup)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_backup_of_nothing_is_refused(old: Instance, tmp_path: Path, capsys: Any) -> None:
    code, out, err = run(["backup", str(tmp_path / "b.tar"), *old.flags()], capsys)
    assert (code, out) == (1, "")
    assert one_line(err).startswith("warmline: error: no database at ")
    assert not (tmp_path / "b.tar").exists()


def test_restore_goes_only_into_an_empty_instance(
    old: Instance, new: Instance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(old, capsys)
    backup = tmp_path / "b.tar"
    assert run(["backup", str(backup), *old.flags()], capsys)[0] == 0
    assert run(["member", "create", "cat", *new.flags()], capsys)[0] == 0
    code, out, err = run(["restore", str(backup), *new.flags()], capsys)
    assert (code, out) == (1, "")
    assert one_line(err) == (
        f"warmline: error: {new.data / 'warmline.sqlite3'} holds a database already:"
        " restore only into an empty one"
    )
    # Media left over from another instance is refused too.
    other = Instance(tmp_path / "other")
    (other.data / "media").mkdir(parents=True)
    (other.data / "media" / "stray.png").write_bytes(b"x")
    code, _, err = run(["restore", str(backup), *other.flags()], capsys)
    assert code == 1 and "media is not empty" in one_line(err)
    assert not (other.data / "warmline.sqlite3").exists()


def _tar(path: Path, entries: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def made(old: Instance, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """A real backup's entries, to tamper with."""
    seed(old, capsys)
    backup = tmp_path / "real.tar"
    assert run(["backup", str(backup), *old.flags()], capsys)[0] == 0
    with tarfile.open(backup) as tar:
        entries = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    return {"path": backup, "entries": entries, "manifest": json.loads(entries["manifest.json"])}


def _with_manifest(made: dict[str, Any], **changes: Any) -> dict[str, bytes]:
    manifest = {**made["manifest"], **changes}
    return {**made["entries"], "manifest.json": json.dumps(manifest).encode()}


def _cases(made: dict[str, Any], tmp_path: Path) -> Iterator[tuple[Path, str]]:
    yield tmp_path / "missing.tar", "cannot read {}: no such file"
    text = tmp_path / "notes.txt"
    text.write_text("not a backup\n" * 100)
    yield text, "{} is not a Warmline backup (not a tar archive)"
    foreign = {"README": b"hello"}
    yield (
        _tar(tmp_path / "foreign.tar", foreign),
        "{} is not a Warmline backup (no valid manifest.json)",
    )
    other = _with_manifest(made, format="something-else")
    yield (
        _tar(tmp_path / "other.tar", other),
        "{} is not a Warmline backup (no valid manifest.json)",
    )
    newer = _with_manifest(made, format_version=2)
    yield (
        _tar(tmp_path / "newer.tar", newer),
        "{} was written by a newer Warmline (backup format 2)",
    )
    escape = {**made["entries"], "../escape.png": b"x"}
    yield _tar(tmp_path / "escape.tar", escape), "{} is damaged: unexpected entry '../escape.png'"
    no_db = {k: v for k, v in made["entries"].items() if not k.startswith("database")}
    yield _tar(tmp_path / "nodb.tar", no_db), "{} is damaged: it holds no database"
    damaged = {**made["entries"], "database.sqlite3": b"SQLite format 3\x00" + b"\x01" * 5000}
    yield _tar(tmp_path / "damaged.tar", damaged), "the backup's database"
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(made["path"].read_bytes()[:5000])
    yield truncated, "{} is damaged"
    future = _with_manifest(made, schema="9999")
    yield _tar(tmp_path / "future.tar", future), "the backup's schema 9999 is newer than this"


def test_a_foreign_or_damaged_file_is_refused(
    made: dict[str, Any], new: Instance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for path, expected in _cases(made, tmp_path):
        code, out, err = run(["restore", str(path), *new.flags()], capsys)
        assert (code, out) == (1, ""), path
        assert one_line(err).startswith("warmline: error: " + expected.format(path)), err
        assert "Traceback" not in err
        assert not (new.data / "warmline.sqlite3").exists(), path
        assert not any((new.data / "media").glob("*")), path


def test_another_domain_or_dialect_is_refused(
    made: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = Instance(tmp_path / "elsewhere", domain="other.test")
    code, out, err = run(["restore", str(made["path"]), *elsewhere.flags()], capsys)
    assert (code, out) == (1, "")
    assert one_line(err) == (
        f"warmline: error: the backup is of {DOMAIN}, not other.test: its ids and keys belong"
        f" to that domain (run the restore with --domain {DOMAIN})"
    )
    entries = _with_manifest(made, dialect="postgresql", database="database.pgdump")
    entries["database.pgdump"] = entries.pop("database.sqlite3")
    pg = _tar(tmp_path / "pg.tar", entries)
    code, _, err = run(["restore", str(pg), *Instance(tmp_path / "x").flags()], capsys)
    assert code == 1
    assert one_line(err).startswith(
        "warmline: error: the backup is of a postgresql database and this instance uses sqlite"
    )


def test_a_backup_of_an_older_schema_is_upgraded(
    old: Instance, new: Instance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    old.data.mkdir(parents=True)
    engine = create_engine(f"sqlite:///{old.data / 'warmline.sqlite3'}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0012")
    engine.dispose()
    backup = tmp_path / "b.tar"
    code, out, _ = run(["backup", str(backup), *old.flags()], capsys)
    assert code == 0 and "schema 0012" in out
    code, out, err = run(["restore", str(backup), *new.flags()], capsys)
    assert (code, err) == (0, "")
    assert one_line(out).endswith(
        f"schema 0012, upgraded to schema {migration_head()}, 0 media files"
    )
    assert [r["version_num"] for r in _rows(new, "alembic_version")] == [migration_head()]


def test_pg_dump_is_found_or_missed_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots.shutil, "which", lambda name: None)
    monkeypatch.setattr(snapshots, "PG_LIB", tmp_path)
    with pytest.raises(DatabaseError, match=r"^pg_dump is not installed \(it comes with the"):
        snapshots.pg_tool("pg_dump")
    for version in ("9", "15", "16"):  # the newest, by number
        (tmp_path / version / "bin").mkdir(parents=True)
        (tmp_path / version / "bin" / "pg_dump").touch()
    assert snapshots.pg_tool("pg_dump") == str(tmp_path / "16" / "bin" / "pg_dump")


def test_sizes_read_well() -> None:
    from server.cli_backup import _size

    assert [_size(n) for n in (5, 2048, 3 * 1024**2, 5 * 1024**3)] == [
        "5 bytes",
        "2.0 KiB",
        "3.0 MiB",
        "5.0 GiB",
    ]
