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

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import AccountRow
from server.store.exclusions import blocked_either_way
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


def _skill_like(
    dialect: str, term: str, plain: bool, *, exact: bool = False
) -> ColumnElement[bool]:
    """One of the member's skills contains term ``term`` (the name of its bound
    patterns, see ``_values``), or, ``exact``, is it.

    The list's JSON text answers alone for most terms and most rows: a ``plain``
    term (ASCII without a quote, comma, bracket or backslash) is in the text
    exactly when it is in one skill (``"term"`` with its quotes when a skill is
    the term), unless the text has escapes (``\\u00e9``, ``\\n``...), whose
    letters are not the skill's: only those rows, and other terms, walk the list."""
    skill = _skills(dialect)
    value = func.lower(skill.c.value)
    pattern = bindparam(f"{term}_in")
    test = value == bindparam(f"{term}_lower") if exact else _like(dialect, skill.c.value, pattern)
    walk = exists(select(literal(1)).select_from(skill).where(test))
    if not plain:
        return walk
    text = cast(accounts.c.skills, Text)
    needle = bindparam(f"{term}_quoted") if exact else pattern
    escapes = text.like(f"%{like_escape(chr(92))}%", ESCAPE)
    return and_(_like(dialect, text, needle), or_(~escapes, walk))


def _term_matches(dialect: str, term: str, plain: bool) -> ColumnElement[bool]:
    pattern = bindparam(f"{term}_in")
    return or_(
        _like(dialect, accounts.c.display_name, pattern),
        accounts.c.username_key.like(bindparam(f"{term}_in_lower"), ESCAPE),
        _like(dialect, accounts.c.headline, pattern),
        _like(dialect, accounts.c.location, pattern),
        _skill_like(dialect, term, plain),
    )


def _rank(dialect: str, plain: bool) -> Any:
    name = accounts.c.display_name
    lower = bindparam("q_lower")
    return case(
        (or_(accounts.c.username_key == lower, func.lower(name) == lower), 0),
        (
            or_(
                accounts.c.username_key.like(bindparam("q_start_lower"), ESCAPE),
                _like(dialect, name, bindparam("q_start")),
            ),
            1,
        ),
        (_like(dialect, name, bindparam("q_word")), 2),
        (_like(dialect, name, bindparam("q_in")), 3),
        (_skill_like(dialect, "q", plain, exact=True), 4),
        else_=5,
    )


def _name_misses(dialect: str, count: int) -> Any:
    """How many of the words are not in the name (for a query of several words)."""
    misses = [
        case(
            (
                or_(
                    _like(dialect, accounts.c.display_name, bindparam(f"t{i}_in")),
                    accounts.c.username_key.like(bindparam(f"t{i}_in_lower"), ESCAPE),
                ),
                0,
            ),
            else_=1,
        )
        for i in range(count)
    ]
    return sum(misses[1:], misses[0])


def _plain(term: str) -> bool:
    return term.isascii() and not any(c in term for c in '"\\,[]')


@functools.lru_cache(maxsize=64)
def _statement(dialect: str, plain: tuple[bool, ...], query_plain: bool) -> Select[Any]:
    """The search for terms of these shapes (``_plain``), built once per shape:
    building it cost more than running it. Its values come from ``_values``."""
    count = len(plain)
    return (
        select(accounts)
        .where(
            accounts.c.domain.is_(None),
            accounts.c.suspended_at.is_(None),
            accounts.c.actor_type != "Application",
            or_(accounts.c.discoverable, accounts.c.username_key == bindparam("q_lower")),
            accounts.c.id.not_in(blocked_either_way(bindparam("viewer"))),
            and_(*(_term_matches(dialect, f"t{i}", plain[i]) for i in range(count))),
        )
        .order_by(
            _rank(dialect, query_plain),
            _name_misses(dialect, count),
            func.lower(accounts.c.display_name),
            accounts.c.id,
        )
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _patterns(name: str, text: str) -> dict[str, str]:
    escaped = like_escape(text)
    return {
        f"{name}_in": f"%{escaped}%",
        f"{name}_in_lower": f"%{escaped.lower()}%",
        f"{name}_lower": text.lower(),
        f"{name}_quoted": f'%"{escaped}"%',
    }


def _values(terms: Sequence[str], query: str) -> dict[str, Any]:
    """The bound values of ``_statement``: each term's patterns (``t0_in``...) and the
    whole query's (``q_...``), for matching and ranking."""
    values: dict[str, Any] = _patterns("q", query)
    whole = like_escape(query)
    values.update(q_start=f"{whole}%", q_start_lower=f"{whole.lower()}%", q_word=f"% {whole}%")
    for i, term in enumerate(terms):
        values.update(_patterns(f"t{i}", term))
    return values


async def search_local_members(
    conn: AsyncConnection,
    terms: Sequence[str],
    *,
    limit: int,
    offset: int = 0,
    viewer_id: int | None = None,
) -> list[AccountRow]:
    """Local members matching every one of ``terms`` (module docstring), best first;
    without the accounts ``viewer_id`` blocks or is blocked by."""
    if not terms:
        return []
    query = " ".join(terms)
    statement = _statement(conn.dialect.name, tuple(_plain(t) for t in terms), _plain(query))
    values = {**_values(terms, query), "limit": limit, "offset": offset}
    values["viewer"] = viewer_id if viewer_id is not None else -1  # -1: nobody's id
    rows = (await conn.execute(statement, values)).mappings().all()
    return [AccountRow.from_row(r) for r in rows]
