# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Suspending and deleting members (``services.member_admin``) and what every door
then answers; the demo member's password and role."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from streamclient import connect, hub, subscribed

from federation import keys as fkeys
from federation.httpsig import parse_request_signature, verify_parsed
from federation.validate import validate
from server.app import create_app
from server.cli import main
from server.config import Config
from server.services import member_admin, members, posts, signin, tokens
from server.services.errors import Conflict
from server.services.posts import Draft
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import graph as graph_q
from tests.apiclient import member
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    ALICE,
    AS2,
    PUBLIC,
    Peer,
    Warmline,
    alice_follows,
    follower_on,
    make_peer,
    peer,
    post,
    start_warmline,
    warmline,
)

HTML = {"Accept": "text/html"}
PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _status_of(w: Warmline, path: str, headers: dict[str, str]) -> int:
    return (await w.client.get(path, headers=headers)).status


async def test_a_suspended_member_is_withheld_as_mastodon_does(
    warmline: Warmline, peer: Peer
) -> None:
    w, svc = warmline, warmline.svc
    await follower_on(w, peer)
    status = await post(w, "Before the pause")
    await member_admin.set_password(svc.db, "alice", PASSWORD)
    token = await tokens.create_token(svc.db, "alice")

    await member_admin.suspend(svc, "alice")

    resp = await w.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert resp.status == 401
    assert await signin.sign_in(svc.db, svc.sign_ins, "alice", PASSWORD, address="") is None
    page = await w.client.get("/@alice", headers=HTML)
    assert page.status == 403 and "This account is suspended" in await page.text()
    for path in (f"/@alice/{status.id}", f"/users/alice/statuses/{status.id}"):
        assert await _status_of(w, path, HTML) == 403
    for path in (f"/users/alice/statuses/{status.id}", "/users/alice/outbox"):
        assert await _status_of(w, path, {"Accept": AS2}) == 403
    actor = await (await w.client.get("/users/alice", headers={"Accept": AS2})).json()
    assert actor["suspended"] is True and actor["id"] == ALICE and actor["publicKey"]
    assert (actor["name"], actor["summary"], actor["attachment"]) == ("", "", [])
    assert "icon" not in actor and "headline" not in actor and "experience" not in actor
    update = await w.last_sent("Update")
    assert update["object"]["suspended"] is True
    assert {d["host"] for d in await w.deliveries() if d["type"] == "Update"} == {peer.host}

    await member_admin.unsuspend(svc, "alice")

    resp = await w.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert resp.status == 200
    assert await signin.sign_in(svc.db, svc.sign_ins, "alice", PASSWORD, address="")
    page = await w.client.get("/@alice", headers=HTML)
    assert page.status == 200 and "Alice Archer" in await page.text()
    assert await _status_of(w, f"/@alice/{status.id}", HTML) == 200
    update = await w.last_sent("Update")
    assert "suspended" not in update["object"] and update["object"]["name"] == "Alice Archer"


async def test_suspending_twice_or_lifting_no_suspension_is_refused(warmline: Warmline) -> None:
    await member_admin.suspend(warmline.svc, "alice")
    with pytest.raises(Conflict, match="already suspended"):
        await member_admin.suspend(warmline.svc, "alice")
    with pytest.raises(Conflict, match="not suspended"):
        await member_admin.unsuspend(warmline.svc, "bob")


async def test_suspending_from_the_command_line_ends_open_streams(
    start: Any, migrated_database_url: str
) -> None:
    """The CLI is another process: the server learns of the suspension when its
    heartbeat re-checks the stream's token in the database."""
    client = await start()  # on migrated_database_url
    bob = await member(client, "bob")
    # Also the WebSocket ping interval: a pong later than half of it drops the
    # connection, so not so short that a busy machine misses it.
    hub(client).heartbeat = 0.5
    flags = ["--dev", "--domain", "a.test", "--database-url", migrated_database_url]
    async with await connect(bob, "user") as ws:
        await subscribed(client, ("user",))
        # Read while the command runs, so the client answers the server's pings.
        suspending = asyncio.create_task(
            asyncio.to_thread(main, ["member", "suspend", "bob", *flags])
        )
        while (message := await ws.receive(timeout=10)).type == aiohttp.WSMsgType.TEXT:
            pass
        assert await suspending == 0
        assert message.type == aiohttp.WSMsgType.CLOSE
        assert ws.close_code == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_a_deleted_member_is_gone_and_other_servers_are_told(
    warmline: Warmline, peer: Peer, make_peer: Callable[[], Awaitable[Peer]]
) -> None:
    w, svc = warmline, warmline.svc
    # alice has a follower (on peer), follows fred (elsewhere), is connected to gina (a third)
    await follower_on(w, peer)
    fred = (elsewhere := await make_peer()).add("fred")
    await alice_follows(w, fred)
    gina = (third := await make_peer()).add("gina")
    gina_here = await w.remote_account(gina)
    async with svc.db.transaction() as conn:
        await connections_q.insert_connection(conn, w.alice.id, gina_here.id, "", svc.now())
    status = await post(w, "Goodbye")
    await member_admin.set_password(svc.db, "alice", PASSWORD)
    token = await tokens.create_token(svc.db, "alice")

    tombstone = await member_admin.delete_member(svc, "alice")

    delete = await w.last_sent("Delete")
    assert {k: delete[k] for k in ("id", "type", "actor", "object", "to")} == {
        "id": f"{ALICE}#delete",
        "type": "Delete",
        "actor": ALICE,
        "object": ALICE,
        "to": [PUBLIC],
    }
    validate("activity", delete)
    await w.run_deliveries()
    for server in (peer, elsewhere, third):
        (request,) = [r for r in server.received if r.doc["type"] == "Delete"]
        parsed = parse_request_signature(
            "POST", f"{server.origin}{request.path}", request.headers, request.body
        )
        async with svc.db.read() as conn:
            keys = {k.kind: k for k in await accounts_q.account_keys(conn, w.alice.id)}
        verify_parsed(parsed, fkeys.load_public_pem(keys["rsa"].public_pem))

    assert (await w.status(status.id)).deleted_at is not None
    note = await w.client.get(f"/users/alice/statuses/{status.id}", headers={"Accept": AS2})
    assert note.status == 410
    actor = await w.client.get("/users/alice", headers={"Accept": AS2})
    gone = await actor.json(content_type=None)
    assert actor.status == 410
    assert (gone["id"], gone["type"], gone["formerType"]) == (ALICE, "Tombstone", "Person")
    assert await _status_of(w, "/@alice", HTML) == 410
    webfinger = "/.well-known/webfinger?resource=acct:alice@a.test"
    assert await _status_of(w, webfinger, {}) == 410
    resp = await w.client.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert resp.status == 401
    assert await signin.sign_in(svc.db, svc.sign_ins, "alice", PASSWORD, address="") is None
    assert tombstone.display_name == "" and tombstone.suspended_at is not None
    with pytest.raises(members.MemberDeleted):
        await members.get_member(svc.db, "alice")
    with pytest.raises(Conflict, match="already taken"):  # the username stays reserved
        await members.create_member(svc.db, "Alice")
    async with svc.db.read() as conn:
        fred_here = await w.remote_account(fred)
        assert await graph_q.get_follow(conn, w.alice.id, fred_here.id) is None
        assert not await connections_q.are_connected(conn, w.alice.id, gina_here.id)
        assert await accounts_q.get_password_hash(conn, w.alice.id) is None
    listed = {m.username: member_admin.state(m) for m in await member_admin.list_members(svc.db)}
    assert listed == {"alice": "deleted", "bob": "active"}


async def test_deleting_a_member_deletes_their_boosts_and_the_boosts_of_their_posts(
    warmline: Warmline,
) -> None:
    from server.services import interactions

    w = warmline
    own = await post(w, "Mine")
    bobs = await posts.create_status(w.svc, w.bob, Draft("Bob's"))
    boosts = [
        await interactions.reblog(w.svc, w.alice, own.id),
        await interactions.reblog(w.svc, w.bob, own.id),
        await interactions.reblog(w.svc, w.alice, bobs.id),
    ]
    await member_admin.delete_member(w.svc, "alice")
    for status in (own, *boosts):
        assert (await w.status(status.id)).deleted_at is not None
    assert (await w.status(bobs.id)).deleted_at is None
    assert (await w.status(bobs.id)).reblogs_count == 0


async def _demo_start(
    aiohttp_client: Any, config: Config, caplog: pytest.LogCaptureFixture
) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="warmline"):
        client = await aiohttp_client(create_app(config, demo=True, workers=False))
    await client.close()
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("demo member")]


async def test_the_demo_member_signs_in_with_the_documented_password_in_dev(
    aiohttp_client: Any,
    make_config: Callable[..., Config],
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = make_config(domain="a.test", database_url=database_url)
    line = 'demo member: sign in at http://a.test/ as "demo" with password "warmline-demo"'
    assert await _demo_start(aiohttp_client, config, caplog) == [line]
    assert await _demo_start(aiohttp_client, config, caplog) == [line]  # a restart says it again
    db = await _open(config)
    try:
        async with db.read() as conn:
            demo = await members.get_member(db, "demo")
            assert await accounts_q.get_role(conn, demo.id) == "admin"
        await member_admin.set_password(db, "demo", "another password")
    finally:
        await db.close()
    (said,) = await _demo_start(aiohttp_client, config, caplog)
    assert "set before" in said and "warmline member password demo" in said


async def _open(config: Config) -> Any:
    from server.store import Database

    db = Database(config.effective_database_url)
    await db.migrate()
    return db


async def test_the_demo_member_gets_a_random_password_outside_dev(db: Any) -> None:
    made = await member_admin.ensure_demo_member(db, dev=False)
    assert made.created and made.password and made.password != member_admin.DEMO_DEV_PASSWORD
    again = await member_admin.ensure_demo_member(db, dev=False)
    assert (again.created, again.password) == (False, None)
    async with db.read() as conn:
        demo = await members.get_member(db, "demo")
        assert await accounts_q.get_role(conn, demo.id) == "member"


async def test_an_existing_demo_member_without_a_password_gets_one(db: Any) -> None:
    await members.create_member(db, "demo")
    got = await member_admin.ensure_demo_member(db, dev=True)
    assert (got.created, got.password) == (False, member_admin.DEMO_DEV_PASSWORD)
    async with db.read() as conn:
        demo = await members.get_member(db, "demo")
        assert await accounts_q.get_role(conn, demo.id) == "admin"
        assert await accounts_q.get_password_hash(conn, demo.id)


async def test_suspending_or_setting_a_password_ends_web_sessions(warmline: Warmline) -> None:
    from webclient import Browser

    from server.services import websessions

    w, svc = warmline, warmline.svc
    await member_admin.set_password(svc.db, "alice", PASSWORD)
    await Browser(w.client).sign_in("alice", PASSWORD)
    assert len(await websessions.listed(svc, w.alice)) == 1
    await member_admin.set_password(svc.db, "alice", PASSWORD)  # even to the same one
    assert await websessions.listed(svc, w.alice) == []
    await Browser(w.client).sign_in("alice", PASSWORD)
    await member_admin.suspend(svc, "alice")
    assert await websessions.listed(svc, w.alice) == []
