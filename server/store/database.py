"""The database handle: engine, SQLite tuning, migrations and transactions.

SQLite (through aiosqlite) is the embedded default; the same code runs on
PostgreSQL through asyncpg. Services open a transaction with
``async with db.transaction() as conn`` and pass ``conn`` to the query
functions of this package, so everything a change causes commits together.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from server.ids import NODES, IdGenerator
from server.store.sqlite_onehop import one_hop_dbapi

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)

MIGRATIONS = "server.store:migrations"
_AFTER_COMMIT = "warmline.after_commit"


def after_commit(conn: AsyncConnection, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the transaction ``conn`` is in has committed; never
    if it rolls back. ``conn`` must come from ``Database.transaction()``."""
    pending = conn.info.get(_AFTER_COMMIT)
    if pending is None:
        raise RuntimeError("after_commit() needs a connection from Database.transaction()")
    pending.append(callback)


def shown_url(url: str) -> str:
    """A database URL fit to print: its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def driver_reason(exc: BaseException) -> str:
    """The first line of what the database driver said, for a one-line error."""
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated; the message says why."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; NORMAL sync is durable
    # across process crashes in WAL mode (only an OS crash may lose the last
    # commits); busy_timeout makes writers queue instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE): a deferred
    # transaction that reads and then writes can fail with SQLITE_BUSY when
    # another writer got in between, which busy_timeout cannot help.
    # Reads run without BEGIN: each statement sees a consistent snapshot, and
    # skipping it saves two round trips to aiosqlite's thread per read.
    if conn.get_execution_options().get("sqlite_immediate"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (NotADirectoryError, FileExistsError):
        raise DatabaseError(
            f"cannot create the data folder {folder}: part of that path is a file, not a folder"
        ) from None
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise DatabaseError(f"cannot create the data folder {folder}: {reason}") from None


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``url``; SQLite files get their folder and pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _make_folder(Path(parsed.database).parent)
        # No overflow: each SQLite connection has its own thread in aiosqlite, and
        # opening one per request beyond the pool costs more than waiting. Four
        # are plenty with one writer at a time, and each holds a page cache.
        dbapi = one_hop_dbapi()
        engine = create_async_engine(
            url,
            **({"module": dbapi} if dbapi is not None else {}),
            poolclass=AsyncAdaptedQueuePool,
            pool_size=4,
            max_overflow=0,
            pool_reset_on_return=None,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_async_engine(url, pool_size=10, max_overflow=10)
    raise DatabaseError(
        f"unsupported database URL {url!r}: use sqlite+aiosqlite:// or postgresql+asyncpg://"
    )


MIGRATIONS_DIR = Path(__file__).parent / "migrations" / "versions"
_REVISION = re.compile(r"^(down_)?revision\s*=\s*['\"]?([^'\"\s]+)['\"]?", re.MULTILINE)


@functools.cache
def migration_head() -> str:
    """The newest revision, read from the migration files without importing Alembic
    (a test checks it is the head Alembic computes)."""
    revisions, parents = set(), set()
    for path in MIGRATIONS_DIR.glob("*.py"):
        for down, value in _REVISION.findall(path.read_text()):
            (parents if down else revisions).add(value)
    heads = revisions - parents
    if len(heads) != 1:
        raise DatabaseError(f"the migrations must have one head, found {sorted(heads)}")
    return heads.pop()


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    # Imported here: Alembic costs ~160 ms of start-up and only migrations need it.
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["connection"] = connection
    return cfg


class Database:
    """One per app: owns the engine and the id generator."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.new_id = IdGenerator()
        # SQLite has one writer. Writers of this process queue here, in order,
        # instead of meeting in SQLite's busy handler, which sleeps 1-100 ms
        # at a time and turns a 1 ms wait into a long tail.
        self._writer = asyncio.Lock() if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def migrate(self) -> None:
        """Bring the schema to the newest version (run at every start-up); on
        PostgreSQL, take this process's id node."""
        self._check_sqlite_file()
        if not await self._at_head():
            await self._upgrade()
        if self.dialect == "postgresql":  # this process's own ids (see server/ids.py)
            async with self.engine.connect() as conn:
                self.new_id.node = await conn.scalar(text("SELECT nextval('id_nodes')")) % NODES

    async def _upgrade(self) -> None:
        """Run the migrations; Alembic (~10 MB, ~160 ms to import) is loaded
        only then: the usual restart does not need it."""
        from alembic import command

        def upgrade(sync_conn: Connection) -> None:
            command.upgrade(alembic_config(sync_conn), "head")

        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(upgrade)
        except Exception as exc:  # any driver error: report it as one clear line
            raise DatabaseError(
                f"cannot open or migrate the database at {self.url}: {driver_reason(exc)}"
            ) from exc

    async def _at_head(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                query = "SELECT version_num FROM alembic_version"
                found = (await conn.exec_driver_sql(query)).all()
        except Exception:  # no table yet, or a database we cannot read: let Alembic say
            return False
        return [row[0] for row in found] == [migration_head()]

    def _check_sqlite_file(self) -> None:
        """Open a SQLite file once, synchronously, so a bad path fails cleanly
        (aiosqlite's worker thread reports a failed open after the loop is gone)."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
            return
        try:
            sqlite3.connect(parsed.database).close()
        except sqlite3.Error as exc:
            raise DatabaseError(
                f"cannot open or migrate the database at {self.url}: {exc}"
            ) from exc

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside a write transaction that commits on success;
        then the hooks registered with ``after_commit()`` run, in order.

        Do not open another write transaction inside one: on SQLite it would
        wait for itself."""
        pending: list[Callable[[], None]] = []
        async with self.writing(), self.engine.connect() as conn:
            conn = await conn.execution_options(sqlite_immediate=True)
            # conn.info lives with the pooled DBAPI connection: set and clear it here.
            conn.info[_AFTER_COMMIT] = pending
            try:
                async with conn.begin():
                    yield conn
            finally:
                conn.info.pop(_AFTER_COMMIT, None)
        for callback in pending:  # committed (an exception above skips this)
            try:
                callback()
            except Exception:  # the change is committed; a hook must not undo the answer
                log.exception("an after-commit hook failed")

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold this process's SQLite write turn (a no-op on PostgreSQL)."""
        if self._writer is None:
            yield
            return
        async with self._writer:
            yield

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads only."""
        async with self.engine.connect() as conn:
            yield conn

    async def close(self) -> None:
        await self.engine.dispose()
