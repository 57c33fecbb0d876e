"""Queries on the connection graph: degrees, mutual connections, people you may know.

A mutual connection is two rows of ``connections`` (one each way), so "my
connections" is a range of the primary key ``(account_id, peer_id)`` and a
second-degree walk is that range joined with the same index again.

People you may know is bounded so that a super-connector cannot make it
pathological (docs/performance.md has the measurements):

* Only the member's ``PEER_SAMPLE`` most recent connections are walked
  (by ``connections.created_at``: the primary key finds the member's rows and
  they are sorted; a 5,000-connection member's sort costs ~1 ms, so no extra
  index is kept for it). A member with more connections than that gets suggestions from their recent
  network only, and mutual counts are counted within that sample.
* A first-degree peer with more than ``HUB_DEGREE`` connections of their own
  (a hub) is not walked through: a hub is connected to almost everyone, so
  "you both know the hub" says little, and walking it would add thousands of
  single-mutual candidates to every member connected to it. Hubs are still
  suggested themselves (they are second degree like anyone else), and anyone
  reached through a hub *and* through ordinary peers is still found; their
  count just leaves the hub out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, bindparam, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store import connections as connections_q
from server.store import graph as graph_q
from server.store import introductions as introductions_q
from server.store.tables import accounts, blocks, connections, follows, introductions

PEER_SAMPLE = 200
HUB_DEGREE = 1000

_c1 = connections.alias("c1")
_c2 = connections.alias("c2")
_hub = connections.alias("hub")


def _suggestable(candidate, viewer_id):  # type: ignore[no-untyped-def]
    """Conditions on a candidate account id: not the viewer, not connected yet,
    no block either way, not suspended, not an instance actor, and willing to be
    suggested (``discoverable``, as Mastodon's suggestions respect it)."""
    connected = exists().where(
        connections.c.account_id == viewer_id, connections.c.peer_id == candidate
    )
    blocked = exists().where(
        or_(
            and_(blocks.c.account_id == viewer_id, blocks.c.target_account_id == candidate),
            and_(blocks.c.account_id == candidate, blocks.c.target_account_id == viewer_id),
        )
    )
    person = exists().where(
        accounts.c.id == candidate,
        accounts.c.suspended_at.is_(None),
        accounts.c.actor_type != "Application",
        accounts.c.discoverable.is_(True),
    )
    return and_(candidate != viewer_id, ~connected, ~blocked, person)


def _pymk_query():  # type: ignore[no-untyped-def]
    """Built once (building it cost more than running it); bound at each call with
    the viewer, the page, and ``PEER_SAMPLE`` and ``HUB_DEGREE`` as they are then."""
    viewer = bindparam("viewer")
    sample = (
        select(_c1.c.peer_id)
        .where(_c1.c.account_id == viewer)
        .order_by(_c1.c.created_at.desc(), _c1.c.peer_id.desc())
        .limit(bindparam("sample"))
        .subquery("sample")
    )
    # A peer is walked through unless it has more than HUB_DEGREE connections:
    # the subquery reads at most HUB_DEGREE + 1 index entries to find out.
    hub_rows = (
        select(literal(1))
        .where(_hub.c.account_id == sample.c.peer_id)
        .limit(1)
        .offset(bindparam("hub_degree"))
        .scalar_subquery()
    )
    peers = select(sample.c.peer_id).where(hub_rows.is_(None)).cte("peers")
    mutual = func.count().label("mutual")
    candidates = (
        select(_c2.c.peer_id.label("id"), mutual)
        .join_from(peers, _c2, _c2.c.account_id == peers.c.peer_id)
        .group_by(_c2.c.peer_id)
        .subquery("candidates")
    )
    return (
        select(candidates.c.id, candidates.c.mutual)
        .where(_suggestable(candidates.c.id, viewer))
        .order_by(candidates.c.mutual.desc(), candidates.c.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


_PYMK = _pymk_query()


async def people_you_may_know(
    conn: AsyncConnection, account_id: int, *, limit: int = 20, offset: int = 0
) -> list[tuple[int, int]]:
    """``(account id, mutual connections)`` of second-degree connections, most
    mutual connections first, then newest account first (ids grow with time)."""
    params = {
        "viewer": account_id, "limit": limit, "offset": offset,
        "sample": PEER_SAMPLE, "hub_degree": HUB_DEGREE,
    }  # fmt: skip
    rows = await conn.execute(_PYMK, params)
    return [(r[0], r[1]) for r in rows.all()]


async def degrees(conn: AsyncConnection, viewer_id: int, ids: list[int]) -> dict[int, int]:
    """1 for the accounts among ``ids`` connected to the viewer, 2 for those who
    share a connection with them; the others (and the viewer) are absent."""
    wanted = sorted(set(ids) - {viewer_id})
    if not wanted:
        return {}
    first = select(connections.c.peer_id).where(
        connections.c.account_id == viewer_id, connections.c.peer_id.in_(wanted)
    )
    found = {r[0]: 1 for r in (await conn.execute(first)).all()}
    rest = [i for i in wanted if i not in found]
    if rest:
        # From each wanted account's own connections to the viewer's (probing
        # the viewer's by primary key): the cost follows the wanted accounts'
        # degrees, not the viewer's.
        second = (
            select(_c2.c.account_id)
            .where(
                _c2.c.account_id.in_(rest),
                exists().where(_c1.c.account_id == viewer_id, _c1.c.peer_id == _c2.c.peer_id),
            )
            .distinct()
        )
        found.update({r[0]: 2 for r in (await conn.execute(second)).all()})
    return found


async def mutual_connections(
    conn: AsyncConnection,
    viewer_id: int,
    other_id: int,
    limit: int,
    *,
    include_private: bool = False,
) -> list[int]:
    """Accounts connected to both, newest connection ids first, at most ``limit``.

    Suspended accounts are left out, and so are members who keep their
    connections private unless ``include_private`` (the caller knows
    ``other_id``'s own list is visible to the viewer)."""
    if viewer_id == other_id:
        return []
    params = {"viewer": viewer_id, "other": other_id, "limit": limit}
    return [r[0] for r in (await conn.execute(_MUTUALS[include_private], params)).all()]


def _mutuals_query(include_private: bool) -> Select[tuple[int]]:
    shown = [accounts.c.suspended_at.is_(None), accounts.c.actor_type != "Application"]
    if not include_private:
        shown.append(accounts.c.connections_visibility != "private")
    other = and_(_c2.c.account_id == bindparam("other"), _c2.c.peer_id == _c1.c.peer_id)
    return (
        select(_c1.c.peer_id)
        .join(_c2, other)
        .join(accounts, accounts.c.id == _c1.c.peer_id)
        .where(_c1.c.account_id == bindparam("viewer"), *shown)
        .order_by(_c1.c.peer_id.desc())
        .limit(bindparam("limit"))
    )


_MUTUALS = {private: _mutuals_query(private) for private in (False, True)}


async def count_mutual_connections(conn: AsyncConnection, viewer_id: int, other_id: int) -> int:
    if viewer_id == other_id:
        return 0
    query = (
        select(func.count())
        .select_from(_c1)
        .join(_c2, and_(_c2.c.account_id == other_id, _c2.c.peer_id == _c1.c.peer_id))
        .where(_c1.c.account_id == viewer_id)
    )
    return int((await conn.execute(query)).scalar_one())


async def newest_members(conn: AsyncConnection, viewer_id: int, limit: int) -> list[int]:
    """Local members who joined most recently (ids grow with time) and list
    themselves in directories, whom the viewer neither follows nor is connected
    with, nor blocks (either way): people for a newcomer to meet first."""
    followed = exists().where(
        follows.c.account_id == viewer_id, follows.c.target_account_id == accounts.c.id
    )
    query = (
        select(accounts.c.id)
        .where(
            accounts.c.domain.is_(None),
            accounts.c.actor_type == "Person",
            accounts.c.discoverable.is_(True),
            ~followed,
            _suggestable(accounts.c.id, viewer_id),
        )
        .order_by(accounts.c.id.desc())
        .limit(limit)
    )
    return [r[0] for r in (await conn.execute(query)).all()]


async def mutual_connections_of(
    conn: AsyncConnection, viewer_id: int, other_ids: list[int], per_account: int
) -> dict[int, list[int]]:
    """For each of ``other_ids``: a few accounts connected to both it and the viewer
    (newest connection ids first), as ``mutual_connections`` would list them
    without ``include_private``, read for the whole list at once.

    It walks the viewer's ``PEER_SAMPLE`` most recent connections (as people
    you may know does) and probes each other account's by primary key."""
    wanted = sorted(set(other_ids) - {viewer_id})
    if not wanted:
        return {}
    sample = (
        select(_c1.c.peer_id)
        .where(_c1.c.account_id == viewer_id)
        .order_by(_c1.c.created_at.desc(), _c1.c.peer_id.desc())
        .limit(PEER_SAMPLE)
        .subquery("sample")
    )
    query = (
        select(_c2.c.account_id, _c2.c.peer_id)
        .join(sample, sample.c.peer_id == _c2.c.peer_id)
        .join(accounts, accounts.c.id == _c2.c.peer_id)
        .where(
            _c2.c.account_id.in_(wanted),
            accounts.c.suspended_at.is_(None),
            accounts.c.actor_type != "Application",
            accounts.c.connections_visibility != "private",
        )
        .order_by(_c2.c.account_id, _c2.c.peer_id.desc())
    )
    found: dict[int, list[int]] = {}
    for other, mutual in (await conn.execute(query)).all():
        shown = found.setdefault(other, [])
        if len(shown) < per_account:
            shown.append(mutual)
    return found


def _frame_query() -> Select[tuple[int, int, int, int]]:
    member = bindparam("member")
    now = bindparam("now", type_=introductions.c.expires_at.type)
    return select(
        connections_q.requests_counted(member, incoming=True).scalar_subquery(),
        graph_q.follow_requests_counted(member).scalar_subquery(),
        introductions_q.waiting_for_counted(member, now).scalar_subquery(),
        connections_q.connections_counted(member).scalar_subquery(),
    )


_FRAME = _frame_query()


async def frame_counts(
    conn: AsyncConnection, member_id: int, now: datetime
) -> tuple[int, int, int, int]:
    """For the network pages' tabs, in one statement: connection requests and follow
    requests waiting for the member, introductions waiting for them, and how many
    connections they have."""
    found = (await conn.execute(_FRAME, {"member": member_id, "now": now})).one()
    requests, follow_requests, introductions_waiting, connected = found
    return int(requests), int(follow_requests), int(introductions_waiting), int(connected)
