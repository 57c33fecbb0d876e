"""Degrees, mutual connections and people you may know (read-only, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass

from server.services.context import Services
from server.store import accounts as accounts_q
from server.store import network as q
from server.store.accounts import AccountRow

MAX_SUGGESTIONS = 80
MUTUALS_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Suggestion:
    account: AccountRow
    mutual_connections: int


@dataclass(frozen=True, slots=True)
class Degree:
    degree: int | None  # 1 = connected, 2 = shares a connection, None otherwise
    mutual_connections: list[AccountRow]


async def people_you_may_know(
    svc: Services, member: AccountRow, *, limit: int = 20, offset: int = 0
) -> list[Suggestion]:
    """Second-degree connections, most mutual connections first."""
    limit = min(max(limit, 1), MAX_SUGGESTIONS)
    async with svc.db.read() as conn:
        ranked = await q.people_you_may_know(conn, member.id, limit=limit, offset=max(offset, 0))
        found = await accounts_q.get_accounts(conn, [account_id for account_id, _ in ranked])
    return [Suggestion(found[i], n) for i, n in ranked if i in found]


async def degrees(svc: Services, viewer: AccountRow, ids: list[int]) -> dict[int, int]:
    async with svc.db.read() as conn:
        return await q.degrees(conn, viewer.id, ids)


def _connections_visible(viewer: AccountRow, other: AccountRow, degree: int | None) -> bool:
    """Whether ``other``'s own connection list is visible to ``viewer``."""
    visibility = other.connections_visibility
    return visibility == "public" or (visibility == "connections" and degree == 1)


async def degree(
    svc: Services,
    viewer: AccountRow,
    other: AccountRow,
    *,
    shown: int = MUTUALS_SHOWN,
    connected: bool | None = None,
) -> Degree:
    """How far ``other`` is from the viewer, and a few connections they share.

    A shared connection who keeps their connections private is listed only
    when ``other``'s own connection list is visible to the viewer. A caller that
    knows whether the two are ``connected`` saves the walk when they are, or
    when a shared connection listed shows them two steps apart."""
    if viewer.id == other.id:
        return Degree(None, [])
    async with svc.db.read() as conn:
        found = 1 if connected else None
        if connected is None:
            found = (await q.degrees(conn, viewer.id, [other.id])).get(other.id)
        ids = await q.mutual_connections(
            conn,
            viewer.id,
            other.id,
            shown,
            include_private=_connections_visible(viewer, other, found),
        )
        if connected is False:
            found = 2 if ids else (await q.degrees(conn, viewer.id, [other.id])).get(other.id)
        mutuals = await accounts_q.get_accounts(conn, ids)
    return Degree(found, [mutuals[i] for i in ids if i in mutuals])


async def newest_members(svc: Services, member: AccountRow, *, limit: int = 5) -> list[AccountRow]:
    """Members of this instance who joined last, for a newcomer with no network
    yet (``people_you_may_know`` has nobody to walk through)."""
    async with svc.db.read() as conn:
        ids = await q.newest_members(conn, member.id, min(max(limit, 1), MAX_SUGGESTIONS))
        found = await accounts_q.get_accounts(conn, ids)
    return [found[i] for i in ids if i in found]


async def mutual_faces(
    svc: Services, viewer: AccountRow, ids: list[int], *, shown: int = MUTUALS_SHOWN
) -> dict[int, list[AccountRow]]:
    """A few connections the viewer shares with each of ``ids`` (to show their faces
    next to "3 mutual connections"), in one go for a list of people. Members who
    keep their connections private are left out, as ``degree`` leaves them out
    for someone who is not connected to the viewer."""
    async with svc.db.read() as conn:
        found = await q.mutual_connections_of(conn, viewer.id, ids, shown)
        people = await accounts_q.get_accounts(conn, {i for f in found.values() for i in f})
    return {other: [people[i] for i in f if i in people] for other, f in found.items()}


@dataclass(frozen=True, slots=True)
class Waiting:
    """What waits for a member's answer in their network."""

    connection_requests: int
    follow_requests: int
    introductions: int

    @property
    def requests(self) -> int:
        return self.connection_requests + self.follow_requests


async def frame(svc: Services, member: AccountRow) -> tuple[Waiting, int]:
    """What waits for the member's answer, and how many connections they have (one read)."""
    async with svc.db.read() as conn:
        requests, follows, intros, connected = await q.frame_counts(conn, member.id, svc.now())
    return Waiting(requests, follows, intros), connected
