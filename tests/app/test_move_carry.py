# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""A ``Connect`` saying ``movedFrom``, through the real inbox from a fake peer: it
connects at once only when the member was connected with the old account, the
old account moved to the signer (a Move we believed), and the signer's own
document names the old account; anything short of that leaves an ordinary
request. And who may read a moved member's connections collection.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from federation import relations as wl
from federation.httpsig import sign_cavage
from server.services import connections, endorsements, members, moves, recommendations
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import endorsements as endorsements_q
from server.store import interactions as interactions_q
from server.store import moves as moves_q
from server.store.accounts import AccountRow
from server.store.connections import ACCEPTED, PENDING
from server.store.statuses import Page
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    ALICE,
    AS2,
    BASE,
    Peer,
    RemoteActor,
    Warmline,
    make_peer,
    peer,
    start_warmline,
    warmline,
)
from tests.app.test_moves import fixture_move
from tests.webclient import Browser, member_with_password

TEXT = "Zork ships."


async def moved(
    w: Warmline, peer: Peer, *, connected: bool, member: AccountRow | None = None
) -> tuple[RemoteActor, RemoteActor]:
    """zork (on ``peer``) moves to turtle, which names it; ``member`` (alice) was
    connected with zork (when ``connected``) and recommended it (approved)."""
    member = member or w.alice
    old, new = peer.add("zork"), peer.add("turtle")
    peer.aliases["turtle"] = [old.id]
    old_account = await w.remote_account(old)
    async with w.svc.db.transaction() as conn:
        if connected:
            await connections_q.insert_connection(conn, member.id, old_account.id, "", w.svc.now())
        await endorsements_q.insert_recommendation(
            conn,
            {"id": w.svc.db.new_id(), "uri": f"{BASE}/users/{member.username}#recommendations/1",
             "account_id": member.id, "target_account_id": old_account.id, "text": TEXT,
             "state": "approved", "created_at": w.svc.now(), "updated_at": w.svc.now()},
        )  # fmt: skip
    await w.deliver(old, fixture_move("mastodon/move-docs.json", old, new.id))
    return old, new


async def connect_from(w: Warmline, new: RemoteActor, old: RemoteActor, to: str = ALICE) -> str:
    activity_id = f"{new.id}#connect/1"
    await w.deliver(new, wl.connect(activity_id, new.id, to, "hi", moved_from=old.id))
    return activity_id


async def request_state(w: Warmline, uri: str) -> str | None:
    async with w.svc.db.read() as conn:
        row = await connections_q.get_request_by_uri(conn, uri)
    return row.state if row else None


async def notified(w: Warmline) -> list[str]:
    async with w.svc.db.read() as conn:
        rows = await interactions_q.list_notifications(conn, w.alice.id, Page())
    return sorted(n.type for n in rows)


async def test_a_connect_from_a_confirmed_move_connects_at_once(
    warmline: Warmline, peer: Peer
) -> None:
    old, new = await moved(warmline, peer, connected=True)
    connect_id = await connect_from(warmline, new, old)
    assert await request_state(warmline, connect_id) == ACCEPTED
    new_account = await warmline.remote_account(new)
    async with warmline.svc.db.read() as conn:
        assert await connections_q.are_connected(conn, warmline.alice.id, new_account.id)
    assert "warmline.connection_moved" in await notified(warmline)
    await warmline.run_deliveries()
    sent = {r.doc["type"]: r.doc for r in peer.received}
    assert sent["Accept"]["object"] == connect_id
    assert sent["Recommend"]["object"] == new.id and TEXT in sent["Recommend"]["content"]
    # Asked again (another id), it is answered but nothing is given twice.
    peer.received.clear()
    again = f"{new.id}#connect/2"
    await warmline.deliver(new, wl.connect(again, new.id, ALICE, "hi", moved_from=old.id))
    assert await notified(warmline) == ["warmline.connection_moved"]
    await warmline.run_deliveries()
    assert [(r.doc["type"], r.doc["object"]) for r in peer.received] == [("Accept", again)]


async def test_a_connect_from_someone_not_connected_with_the_old_account_waits(
    warmline: Warmline, peer: Peer
) -> None:
    old, new = await moved(warmline, peer, connected=False)
    connect_id = await connect_from(warmline, new, old)
    assert await request_state(warmline, connect_id) == PENDING
    assert await notified(warmline) == ["warmline.connection_request"]
    await warmline.run_deliveries()
    assert [r.doc["type"] for r in peer.received] == []


async def test_a_connect_naming_an_account_that_did_not_move_waits(
    warmline: Warmline, peer: Peer
) -> None:
    """No Move, and the signer's document does not name the old account either:
    its claim alone proves nothing."""
    old, new = peer.add("zork"), peer.add("mallory")
    old_account = await warmline.remote_account(old)
    async with warmline.svc.db.transaction() as conn:
        await connections_q.insert_connection(
            conn, warmline.alice.id, old_account.id, "", warmline.svc.now()
        )
    connect_id = await connect_from(warmline, new, old)
    assert await request_state(warmline, connect_id) == PENDING
    # Named as an alias now, but still no Move and zork does not say movedTo.
    peer.aliases["mallory"] = [old.id]
    second = f"{new.id}#connect/2"
    await warmline.deliver(new, wl.connect(second, new.id, ALICE, "hi", moved_from=old.id))
    assert await request_state(warmline, second) == PENDING
    async with warmline.svc.db.read() as conn:
        new_account = await warmline.remote_account(new)
        assert not await connections_q.are_connected(conn, warmline.alice.id, new_account.id)


async def signed_get(w: Warmline, path: str, actor: RemoteActor | None) -> dict[str, Any]:
    headers = {"Host": "a.test", "Accept": AS2}
    if actor is not None:
        headers |= sign_cavage(
            "GET", f"{BASE}{path}", headers, None,
            key_id=f"{actor.id}#main-key", private_key=actor.key,
        )  # fmt: skip
    resp = await w.client.get(path, headers=headers)
    assert resp.status == 200, await resp.text()
    return dict(await resp.json())


async def test_a_moved_members_connections_are_listed_to_the_new_account_only(
    warmline: Warmline, peer: Peer
) -> None:
    new, stranger = peer.add("alice2"), peer.add("stranger")
    new_account = await warmline.remote_account(new)
    await warmline.remote_account(stranger)
    async with warmline.svc.db.transaction() as conn:
        await connections_q.insert_connection(
            conn, warmline.alice.id, warmline.bob.id, "", warmline.svc.now()
        )
    path = "/users/alice/connections?page=1"
    assert "orderedItems" not in await signed_get(warmline, path, new)  # not moved yet
    async with warmline.svc.db.transaction() as conn:
        await moves_q.set_move(conn, warmline.alice.id, new_account.id, warmline.svc.now())
    assert (await signed_get(warmline, path, new))["orderedItems"] == [f"{BASE}/users/bob"]
    first = await signed_get(warmline, "/users/alice/connections", new)
    assert first["totalItems"] == 1 and first["first"].endswith("?page=1")
    assert "orderedItems" not in await signed_get(warmline, path, None)
    assert "orderedItems" not in await signed_get(warmline, path, stranger)


async def test_the_notice_and_the_button_in_the_web_settings(
    warmline: Warmline, peer: Peer
) -> None:
    await member_with_password(warmline.client, "dora")
    async with warmline.svc.db.read() as conn:
        dora = await accounts_q.get_local_account(conn, "dora")
    assert dora is not None
    old, new = await moved(warmline, peer, connected=True, member=dora)
    await connect_from(warmline, new, old, to=f"{BASE}/users/dora")
    web = Browser(warmline.client)
    await web.sign_in("dora")
    page = await web.get("/notifications")
    assert f"zork@{peer.host} moved to turtle@{peer.host}" in page
    assert "your connection moved with them" in page
    # dora's own alias never moved to her: bringing its connections is refused, in words.
    await web.post("/settings/moving/aliases", {"acct": f"zork@{peer.host}"})
    assert "Bring my connections" in await web.get("/settings/moving")
    refused = await web.post("/settings/moving/carry", {"uri": old.id}, status=422)
    assert "has not moved to this one yet" in refused.body_text
    await web.post("/settings/moving/carry", {"uri": "https://elsewhere.example/u/x"}, status=404)


async def test_a_move_on_one_server_carries_at_once_and_asks_those_elsewhere(
    warmline: Warmline, peer: Peer
) -> None:
    """olga moves to nina, both here: bob (here) is connected with nina at once and
    nina gets bob's endorsement and recommendation (approved, as olga approved it
    here); zed (elsewhere, Warmline) is sent a Connect saying movedFrom olga."""
    w, svc = warmline, warmline.svc
    olga = await members.create_member(svc.db, "olga", password="a good long password")
    nina = await members.create_member(svc.db, "nina")
    zed = await w.remote_account(peer.add("zed"))
    async with svc.db.transaction() as conn:
        for account, listed in ((olga, ["Rust", "Cooking"]), (nina, ["Rust"])):
            await accounts_q.update_account(conn, account.id, {"skills": listed})
        await accounts_q.update_account(conn, zed.id, {"warmline": True})
        for other in (w.bob, zed):
            await connections_q.insert_connection(conn, olga.id, other.id, "", svc.now())
    svc.remote.forget(zed.uri or "")  # cached as it was before it spoke our vocabulary
    olga, nina = await w.refresh(olga), await w.refresh(nina)
    await endorsements.endorse(svc, w.bob, olga, "rust")
    await endorsements.endorse(svc, w.bob, olga, "Cooking")
    rec = await recommendations.recommend(svc, w.bob, olga, TEXT)
    await recommendations.answer(svc, olga, rec.id, approve=True)
    await moves.add_alias(svc, nina, "olga")
    await moves.move(svc, olga, "nina", "a good long password")

    async with svc.db.read() as conn:
        assert await connections_q.are_connected(conn, w.bob.id, nina.id)
        given = await endorsements_q.endorsements_between(conn, w.bob.id, nina.id)
        assert [e.skill for e in given] == ["Rust"]
        carried = await endorsements_q.open_recommendation(conn, w.bob.id, nina.id)
        assert carried is not None and carried.state == "approved" and carried.text == TEXT
        asked = await connections_q.pending_request(conn, nina.id, zed.id)
    assert asked is not None and "#moved-connect/" in asked.uri
    connect = next(d for d in await w.sent("Connect") if d["id"] == asked.uri)
    assert connect["movedFrom"] == f"{BASE}/users/olga" and connect["object"] == zed.uri
    # Those requests are not nina's own: they leave her day's limit alone.
    async with svc.db.read() as conn:
        assert not await connections.over_daily_limit(svc, conn, nina)
        assert (
            await connections_q.count_requested_since(conn, nina.id, svc.now().replace(year=2000))
            == 2
        )
    # By hand, again: nobody asked twice.
    done = await moves.carry_from(svc, nina, "olga")
    assert (done.asked, done.connected) == (0, 0)
    assert len(await w.sent("Connect")) == 1
