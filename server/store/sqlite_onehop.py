"""SQLAlchemy's aiosqlite adapter, with one trip to SQLite's thread per statement.

aiosqlite runs each SQLite connection in a thread of its own; every call from
the event loop is a round trip to it (a queue put, a thread wake-up, a
``call_soon_threadsafe`` back). SQLAlchemy's adapter makes four per SELECT
(create the cursor, execute, fetch the rows, close) and three per INSERT or
UPDATE. This adapter does the whole statement in one function run on the
connection's thread and hands back the description, the rows, ``rowcount``
and ``lastrowid`` together: a primary-key SELECT costs ~130 µs instead of
~320 µs, and the inbox worker's ~17 statements per activity gain the most.
A rollback with no transaction open (the end of every read) makes no trip.

Everything else (transactions, errors, server-side cursors, connection
handling) is SQLAlchemy's own. The one thing we lean on beyond aiosqlite's
documented API is ``Connection._execute(fn, ...)``, the method every public
aiosqlite call goes through; when an aiosqlite release drops it,
``one_hop_dbapi()`` returns None and the engine uses the stock adapter (a test
checks the fast path is the one in use).
"""

from __future__ import annotations

import collections
import logging
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

log = logging.getLogger(__name__)

# What one statement leaves behind: description, rows, rowcount, lastrowid.
_Outcome = tuple[Any, Sequence[Any], int, int | None]


def _execute(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    """Runs on the connection's thread: the statement, its rows, its counts."""
    cursor = conn.execute(operation) if parameters is None else conn.execute(operation, parameters)
    try:
        description = cursor.description
        rows = cursor.fetchall() if description else ()
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _executemany(conn: sqlite3.Connection, operation: str, parameters: Any) -> _Outcome:
    cursor = conn.executemany(operation, parameters)
    try:
        return None, (), cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in one trip to the thread.

    There is no aiosqlite cursor behind it: the results of the last statement
    are kept here, which is all a buffered (non server-side) cursor offers."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # rows are all fetched at once

    async def _async_soft_close(self) -> None:
        return  # nothing open on the thread

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._run(_execute, operation, parameters)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._run(_executemany, operation, seq_of_parameters)

    def _run(self, function: Any, operation: Any, parameters: Any) -> None:
        connection = self._connection
        try:
            outcome = await_(connection._execute(function, connection._conn, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor

    def rollback(self) -> None:
        """No trip to the thread when there is nothing to undo: reads run without
        BEGIN (``database._sqlite_begin``), yet SQLAlchemy rolls back every
        connection it closes, which was a round trip per ``Database.read()``.
        ``in_transaction`` only reads SQLite's autocommit flag, and no statement
        of this connection is running while SQLAlchemy calls this."""
        raw = self._connection._connection
        if raw is not None and not raw.in_transaction:
            return
        super().rollback()


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        stock = super().connect(*arg, **kw)
        return OneHopConnection(self, stock._connection)


def one_hop_dbapi() -> OneHopDBAPI | None:
    """The DBAPI to pass as ``module=`` to the engine, or None when this
    aiosqlite lacks what the adapter needs (then the stock adapter is used)."""
    if not callable(getattr(aiosqlite.Connection, "_execute", None)):
        log.warning("aiosqlite %s: one-hop SQLite adapter unavailable", aiosqlite.__version__)
        return None
    return OneHopDBAPI(aiosqlite, sqlite3)
