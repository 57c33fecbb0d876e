"""People you may know, degrees and mutual connections: store, service and API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import insert

from server.appkeys import DB, SERVICES
from server.services import members, network, tokens
from server.services.members import INSTANCE_ACTOR_USERNAME
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import network as q
from server.store.tables import blocks

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Graph:
    """A small network around alice (names to ids), built straight in the store."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.db = client.app[DB]
        self.ids: dict[str, int] = {}
        self.clock = 0

    async def person(self, name: str, **values: Any) -> int:
        account_id = self.db.new_id()  # ids grow with time: a later person is newer
        async with self.db.transaction() as conn:
            await accounts_q.insert_account(
                conn,
                {"id": account_id, "username": name, "fields": [], "created_at": T0,
                 "updated_at": T0, **values},
            )  # fmt: skip
        self.ids[name] = account_id
        return account_id

    async def connect(self, a: str, *others: str) -> None:
        async with self.db.transaction() as conn:
            for b in others:
                self.clock += 1
                at = T0 + timedelta(minutes=self.clock)
                await connections_q.insert_connection(conn, self.ids[a], self.ids[b], "we met", at)

    async def block(self, a: str, b: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(blocks).values(
                    account_id=self.ids[a], target_account_id=self.ids[b], created_at=T0
                )
            )

    def names(self, found: list[tuple[int, int]] | dict[int, int]) -> Any:
        by_id = {v: k for k, v in self.ids.items()}
        if isinstance(found, dict):
            return {by_id[i]: n for i, n in found.items()}
        return [(by_id[i], n) for i, n in found]


@pytest.fixture
async def graph(client: TestClient) -> Graph:
    """alice knows b1, b2, b3. Second degree: c1 (through b1, b2, b3), c2 (b1, b2),
    c3 then c4 (one each), and some who must never be suggested."""
    g = Graph(client)
    alice = await members.get_member(g.db, "alice")
    g.ids["alice"] = alice.id
    async with g.db.read() as conn:
        instance = await accounts_q.get_local_account(conn, INSTANCE_ACTOR_USERNAME)
    assert instance is not None
    g.ids["instance"] = instance.id
    for name in ("b1", "b2", "b3", "c1", "c2", "c3", "c4", "blocked", "blocker", "far"):
        await g.person(name)
    await g.person("gone", suspended_at=T0)
    await g.person("shy", discoverable=False)  # asked not to be suggested
    await g.connect("alice", "b1", "b2", "b3")
    await g.connect("b1", "b2", "c1", "c2", "c3", "blocked", "blocker", "gone", "instance", "shy")
    await g.connect("b2", "c1", "c2", "c4", "blocked", "blocker", "gone")
    await g.connect("b3", "c1", "blocked")
    await g.connect("c1", "far")
    await g.block("alice", "blocked")
    await g.block("blocker", "alice")
    return g


async def test_people_you_may_know_ranks_by_mutual_connections_and_excludes(
    graph: Graph,
) -> None:
    async with graph.db.read() as conn:
        found = await q.people_you_may_know(conn, graph.ids["alice"])
        first = await q.people_you_may_know(conn, graph.ids["alice"], limit=2)
        rest = await q.people_you_may_know(conn, graph.ids["alice"], limit=2, offset=2)
    # Ties (c3, c4: one each) go to the newer account first. Never: alice
    # herself, her connections (b2 is reached through b1), blocks either way,
    # suspended accounts, the instance actor, those not discoverable; nor c1's
    # contact "far" (third degree).
    assert graph.names(found) == [("c1", 3), ("c2", 2), ("c4", 1), ("c3", 1)]
    assert graph.names(first) + graph.names(rest) == graph.names(found)


async def test_suggestions_at_the_edge_and_for_a_member_with_no_connections(graph: Graph) -> None:
    async with graph.db.read() as conn:
        far = await q.people_you_may_know(conn, graph.ids["far"])
    assert graph.names(far) == [("b3", 1), ("b2", 1), ("b1", 1)]
    lonely = await graph.person("lonely")
    async with graph.db.read() as conn:
        assert await q.people_you_may_know(conn, lonely) == []


async def test_hubs_are_not_walked_and_the_peer_sample_is_the_most_recent(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(q, "HUB_DEGREE", 6)  # b1 (9 connections) is now a hub; b2 (8) too
    async with graph.db.read() as conn:
        found = await q.people_you_may_know(conn, graph.ids["alice"])
    assert graph.names(found) == [("c1", 1)]  # through b3 only
    monkeypatch.setattr(q, "HUB_DEGREE", 1000)
    monkeypatch.setattr(q, "PEER_SAMPLE", 2)  # alice's two most recent: b2, b3
    async with graph.db.read() as conn:
        found = await q.people_you_may_know(conn, graph.ids["alice"])
    assert graph.names(found) == [("c1", 2), ("c4", 1), ("c2", 1)]


async def test_degrees_and_mutual_connections(graph: Graph) -> None:
    ids = graph.ids
    async with graph.db.read() as conn:
        found = await q.degrees(
            conn, ids["alice"], [ids[n] for n in ("alice", "b1", "c1", "blocked", "far")] + [1]
        )
        mutual = await q.mutual_connections(conn, ids["alice"], ids["c1"], 10)
        two = await q.mutual_connections(conn, ids["alice"], ids["c1"], 2)
        count = await q.count_mutual_connections(conn, ids["alice"], ids["c1"])
        assert await q.mutual_connections(conn, ids["alice"], ids["alice"], 10) == []
    assert graph.names(found) == {"b1": 1, "c1": 2, "blocked": 2}
    assert mutual == [ids["b3"], ids["b2"], ids["b1"]] and two == mutual[:2] and count == 3


async def test_private_connections_are_not_shown_as_mutual_unless_visible(
    graph: Graph,
) -> None:
    svc = graph.client.app[SERVICES]
    async with graph.db.transaction() as conn:
        await accounts_q.update_account(
            conn, graph.ids["b2"], {"connections_visibility": "private"}
        )
    alice = await members.get_member(graph.db, "alice")
    async with graph.db.read() as conn:
        c1 = await accounts_q.get_account(conn, graph.ids["c1"])
    assert c1 is not None
    hidden = await network.degree(svc, alice, c1)
    assert hidden.degree == 2
    assert [a.username for a in hidden.mutual_connections] == ["b3", "b1"]
    async with graph.db.transaction() as conn:
        await accounts_q.update_account(conn, graph.ids["c1"], {"connections_visibility": "public"})
        c1 = await accounts_q.get_account(conn, graph.ids["c1"])
    assert c1 is not None
    shown = await network.degree(svc, alice, c1)
    assert [a.username for a in shown.mutual_connections] == ["b3", "b2", "b1"]


async def _get(client: TestClient, path: str, token: str | None, status: int = 200) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = await client.get(path, headers=headers)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_suggestions_route(graph: Graph) -> None:
    client = graph.client
    token = await tokens.create_token(graph.db, "alice", scopes="read:accounts")
    found = await _get(client, "/api/v1/warmline/suggestions", token)
    assert [(s["account"]["username"], s["mutual_connections"]) for s in found] == [
        ("c1", 3), ("c2", 2), ("c4", 1), ("c3", 1),
    ]  # fmt: skip
    assert found[0]["account"]["id"] == str(graph.ids["c1"]) and "acct" in found[0]["account"]
    page = await _get(client, "/api/v1/warmline/suggestions?limit=1&offset=1", token)
    assert [s["account"]["username"] for s in page] == ["c2"]
    for bad in ("limit=abc", "limit=500", "offset=-1"):
        error = await _get(client, f"/api/v1/warmline/suggestions?{bad}", token, 422)
        assert "error" in error
    assert "error" in await _get(client, "/api/v1/warmline/suggestions", None, 401)
    writer = await tokens.create_token(graph.db, "alice", scopes="write")
    assert "error" in await _get(client, "/api/v1/warmline/suggestions", writer, 403)


async def test_degree_route(graph: Graph) -> None:
    client = graph.client
    token = await tokens.create_token(graph.db, "alice", scopes="read")
    path = "/api/v1/warmline/accounts/{}/degree"
    second = await _get(client, path.format(graph.ids["c1"]), token)
    assert second["degree"] == 2
    assert [a["username"] for a in second["mutual_connections"]] == ["b3", "b2", "b1"]
    first = await _get(client, path.format(graph.ids["b1"]), token)
    assert first["degree"] == 1 and [a["username"] for a in first["mutual_connections"]] == ["b2"]
    far = await _get(client, path.format(graph.ids["far"]), token)
    assert far == {"degree": None, "mutual_connections": []}
    me = await _get(client, path.format(graph.ids["alice"]), token)
    assert me == {"degree": None, "mutual_connections": []}
    for missing in (graph.ids["gone"], graph.ids["instance"], 12345):
        assert "error" in await _get(client, path.format(missing), token, 404)
    assert "error" in await _get(client, path.format(graph.ids["c1"]), None, 401)
