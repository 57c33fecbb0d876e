"""Finding local members by what they say of themselves: name, headline, skills, location.

Every term must appear in a member's display name, username, headline, one of
their skills or their location, case-insensitively (``ILIKE``; on SQLite that
folds ASCII letters only). Skills are a JSON list and each is matched as its
own text, through ``json_each`` (SQLite) or ``json_array_elements_text``
(PostgreSQL): never the JSON document's text, where SQLite keeps "é" as
"\\u00e9" and a term could match across two skills.

A substring cannot be found through a B-tree index, so a search reads every
local member's row; the partial unique index on local usernames lets the
database walk just those, not the remote accounts it knows. The skills' JSON
text is tested before their list is walked (``_skill_like``). Measured by
``bench/people_search.py`` (5,000 members, 50,000 remote accounts) on a shared
2-CPU machine under a load of about 8: p50 10-17 ms on SQLite, 35-80 ms on
PostgreSQL, whose own execution was 10-15 ms of it (ILIKE on five columns a
row). Past tens of thousands of members, a trigram index (``pg_trgm``) is the
next step on PostgreSQL.

Ranking: a name (display name or username) that is the query, then one that
starts with it, one with a word that does, one containing it, then a skill that
is the query, then anything else; then by how many of the words are in the name;
ties by name. Members who asked not to be discoverable are
found only by their exact username.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, case, cast, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import AccountRow
from server.store.tables import accounts

ESCAPE = "\\"


def like_escape(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(dialect: str, column: Any, pattern: str) -> ColumnElement[bool]:
    """``column`` matches ``pattern`` whatever the case: SQLite's LIKE already ignores
    the case of ASCII letters (SQLAlchemy's ILIKE would add two ``lower()`` calls
    a row for the same answer); PostgreSQL needs ILIKE."""
    if dialect == "postgresql":
        return column.ilike(pattern, ESCAPE)  # type: ignore[no-any-return]
    return column.like(pattern, ESCAPE)  # type: ignore[no-any-return]


def _skills(dialect: str) -> Any:
    """The member's skills as a table of one ``value`` column (correlated)."""
    each = "json_array_elements_text" if dialect == "postgresql" else "json_each"
    return getattr(func, each)(accounts.c.skills).table_valued("value").alias("skill")


def _skill_like(dialect: str, term: str, *, exact: bool = False) -> ColumnElement[bool]:
    """One of the member's skills contains ``term`` (or, ``exact``, is it).

    The list's JSON text answers alone for most terms and most rows: an ASCII
    term without a quote, comma, bracket or backslash is in the text exactly when it is in
    one skill (``"term"`` with its quotes when a skill is the term), unless the
    text has escapes (``\\u00e9``, ``\\n``...), whose letters are not the
    skill's: only those rows, and other terms, walk the list."""
    skill = _skills(dialect)
    value = func.lower(skill.c.value)
    pattern = f"%{like_escape(term)}%"
    test = value == term.lower() if exact else _like(dialect, skill.c.value, pattern)
    walk = exists(select(literal(1)).select_from(skill).where(test))
    if not term.isascii() or any(c in term for c in '"\\,[]'):
        return walk
    text = cast(accounts.c.skills, Text)
    needle = f'%"{like_escape(term)}"%' if exact else pattern
    escapes = text.like(f"%{like_escape(chr(92))}%", ESCAPE)
    return and_(_like(dialect, text, needle), or_(~escapes, walk))


def _term_matches(dialect: str, term: str) -> ColumnElement[bool]:
    pattern = f"%{like_escape(term)}%"
    return or_(
        _like(dialect, accounts.c.display_name, pattern),
        accounts.c.username_key.like(pattern.lower(), ESCAPE),
        _like(dialect, accounts.c.headline, pattern),
        _like(dialect, accounts.c.location, pattern),
        _skill_like(dialect, term),
    )


def _rank(dialect: str, query: str) -> Any:
    whole = like_escape(query)
    name = accounts.c.display_name
    return case(
        (or_(accounts.c.username_key == query.lower(), func.lower(name) == query.lower()), 0),
        (
            or_(
                accounts.c.username_key.like(f"{whole.lower()}%", ESCAPE),
                _like(dialect, name, f"{whole}%"),
            ),
            1,
        ),
        (_like(dialect, name, f"% {whole}%"), 2),
        (_like(dialect, name, f"%{whole}%"), 3),
        (_skill_like(dialect, query, exact=True), 4),
        else_=5,
    )


def _name_misses(dialect: str, terms: Sequence[str]) -> Any:
    """How many of the words are not in the name (for a query of several words)."""
    misses = [
        case(
            (
                or_(
                    _like(dialect, accounts.c.display_name, f"%{like_escape(t)}%"),
                    accounts.c.username_key.like(f"%{like_escape(t.lower())}%", ESCAPE),
                ),
                0,
            ),
            else_=1,
        )
        for t in terms
    ]
    return sum(misses[1:], misses[0])


async def search_local_members(
    conn: AsyncConnection, terms: Sequence[str], *, limit: int, offset: int = 0
) -> list[AccountRow]:
    """Local members matching every one of ``terms`` (module docstring), best first."""
    if not terms:
        return []
    dialect = conn.dialect.name
    query = " ".join(terms)
    rank = _rank(dialect, query)
    statement = (
        select(accounts)
        .where(
            accounts.c.domain.is_(None),
            accounts.c.suspended_at.is_(None),
            accounts.c.actor_type != "Application",
            or_(accounts.c.discoverable, accounts.c.username_key == query.lower()),
            and_(*(_term_matches(dialect, t) for t in terms)),
        )
        .order_by(
            rank, _name_misses(dialect, terms), func.lower(accounts.c.display_name), accounts.c.id
        )
        .limit(limit)
        .offset(offset)
    )
    rows = (await conn.execute(statement)).mappings().all()
    return [AccountRow.from_row(r) for r in rows]
