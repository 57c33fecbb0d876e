"""The store: migrations match the tables, SQLite is tuned, transactions hold."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.store import Database, DatabaseError
from server.store import accounts as q
from server.store.tables import metadata


async def test_migrations_build_exactly_the_declared_tables(db: Database) -> None:
    def diff(sync_conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(sync_conn)
        return compare_metadata(context, metadata)

    async with db.read() as conn:
        assert await conn.run_sync(diff) == []


async def test_migrating_twice_is_harmless(db: Database) -> None:
    await db.migrate()
    async with db.read() as conn:
        version = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).scalar()
    assert version is not None


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'wal.sqlite3'}")
    await db.migrate()
    async with db.read() as conn:
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    await db.close()


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    now = datetime.now(UTC)
    values = {"username": "rolled", "fields": [], "created_at": now, "updated_at": now}
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await q.insert_account(conn, {"id": db.new_id(), **values})
            raise RuntimeError("boom")
    async with db.read() as conn:
        assert await q.get_local_account(conn, "rolled") is None


async def test_times_come_back_timezone_aware(db: Database) -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    account_id = db.new_id()
    async with db.transaction() as conn:
        await q.insert_account(
            conn,
            {"id": account_id, "username": "t", "fields": [], "created_at": now, "updated_at": now},
        )
    async with db.read() as conn:
        row = await q.get_account(conn, account_id)
    assert row is not None and row.created_at == now and row.created_at.tzinfo is not None


def test_an_unsupported_database_url_is_a_clear_error() -> None:
    with pytest.raises(DatabaseError, match="unsupported database URL"):
        Database("mysql://nope")


async def test_an_unopenable_database_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "taken.sqlite3").mkdir()  # a folder where the database file should be
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'taken.sqlite3'}")
    with pytest.raises(DatabaseError, match="cannot open or migrate"):
        await database.migrate()
    await database.close()


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    from server.store.database import alembic_config, migration_head

    assert migration_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_database_at_head_is_not_migrated_again(db: Database) -> None:
    assert await db._at_head()
