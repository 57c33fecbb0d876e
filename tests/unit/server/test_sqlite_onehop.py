"""The one-hop SQLite adapter: in use, and every statement shape SQLAlchemy relies on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from server.store import Database
from server.store.sqlite_onehop import OneHopDBAPI

things = sa.Table(
    "things",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String, nullable=False, unique=True),
)


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'onehop.sqlite3'}")
    async with db.transaction() as conn:
        await conn.run_sync(things.metadata.create_all)
    yield db
    await db.close()


def test_the_sqlite_engine_uses_the_one_hop_adapter(tmp_path: Path) -> None:
    # Fails when an aiosqlite upgrade removes what the adapter needs (the
    # engine then falls back to SQLAlchemy's stock adapter, slower).
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    assert isinstance(db.engine.dialect.loaded_dbapi, OneHopDBAPI)


async def test_rows_counts_and_keys_come_back(sqlite: Database) -> None:
    async with sqlite.transaction() as conn:
        inserted = await conn.execute(sa.insert(things).values(name="a"))
        assert inserted.inserted_primary_key == (1,)
        many = await conn.execute(sa.insert(things), [{"name": "b"}, {"name": "c"}])
        assert many.rowcount == 2
        updated = await conn.execute(
            sa.update(things).where(things.c.name.in_(["a", "b"])).values(name=things.c.name + "!")
        )
        assert updated.rowcount == 2
        returned = await conn.execute(
            sa.delete(things).where(things.c.name == "c").returning(things.c.id)
        )
        assert returned.all() == [(3,)]
    async with sqlite.read() as conn:
        rows = (await conn.execute(sa.select(things).order_by(things.c.id))).all()
        assert [tuple(row) for row in rows] == [(1, "a!"), (2, "b!")]
        assert (await conn.execute(sa.select(things).where(things.c.id == 99))).first() is None
        result = await conn.execute(sa.select(things.c.name).order_by(things.c.id))
        assert result.keys() == ["name"]
        assert result.fetchone() == ("a!",)
        assert result.fetchmany(5) == [("b!",)]


async def test_errors_are_sqlalchemy_errors_and_roll_back(sqlite: Database) -> None:
    with pytest.raises(IntegrityError):
        async with sqlite.transaction() as conn:
            await conn.execute(sa.insert(things).values(name="same"))
            await conn.execute(sa.insert(things).values(name="same"))
    with pytest.raises(OperationalError):
        async with sqlite.read() as conn:
            await conn.exec_driver_sql("SELECT nope FROM nowhere")
    async with sqlite.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(things))).scalar() == 0


async def test_ending_a_read_makes_no_trip_to_the_thread_but_a_rollback_still_undoes(
    sqlite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips: list[object] = []
    real = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        trips.append(fn)
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    async with sqlite.read() as conn:
        await conn.execute(sa.select(things))
    assert len(trips) == 1  # the SELECT; closing it rolled nothing back
    with pytest.raises(RuntimeError):
        async with sqlite.transaction() as conn:
            await conn.execute(sa.insert(things).values(name="undone"))
            raise RuntimeError("boom")
    async with sqlite.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(things))).scalar() == 0
