# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Reports (``services/reports``): a member reports an account and its posts,
forwarded to its server as a ``Flag`` when asked; other servers' Flags arrive in
the same queue; moderators resolve them (``/api/v1/admin/reports``)."""

from __future__ import annotations

from typing import Any

from apiclient import Member

from server.services import audit, domain_blocks, members, reports, tokens
from server.store import reports as reports_q
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    ALICE,
    BASE,
    Peer,
    Warmline,
    make_peer,
    peer,
    post,
    remote_activity,
    remote_post,
    start_warmline,
    warmline,
)

ADMIN_REPORTS = "/api/v1/admin/reports"


async def member_api(w: Warmline, name: str, scopes: str, role: str | None = None) -> Member:
    if role is not None:
        account = await members.create_member(w.svc.db, name, role=role)
    else:
        account = await members.get_member(w.svc.db, name)
    return Member(
        w.client, await tokens.create_token(w.svc.db, name, scopes=scopes), str(account.id)
    )


async def open_reports(w: Warmline) -> list[Any]:
    async with w.svc.db.read() as conn:
        return await reports_q.list_reports(conn, resolved=False, limit=50)


async def test_a_forwarded_report_reaches_the_accounts_server_as_a_flag_from_this_server(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    alice = await member_api(w, "alice", "write:reports")
    erin = await w.remote_account(peer.add("erin"))
    theirs = await remote_post(w, peer.actors["erin"])

    made = await alice.post(
        "/api/v1/reports",
        json={"account_id": str(erin.id), "status_ids": [str(theirs.id)],
              "comment": "Spam, again", "category": "spam", "forward": True},
    )  # fmt: skip
    assert (made["category"], made["comment"], made["forwarded"]) == ("spam", "Spam, again", True)
    assert made["status_ids"] == [str(theirs.id)]
    assert made["target_account"]["acct"] == f"erin@{peer.host}"
    assert made["action_taken"] is False

    await w.run_deliveries()
    flags = [r for r in peer.received if r.doc["type"] == "Flag"]
    assert len(flags) == 1
    flag = flags[0].doc
    assert flag["actor"] == f"{BASE}/actor"  # this server, not alice: reporters stay private
    assert flag["object"] == [erin.uri, theirs.uri]
    assert flag["content"] == "Spam, again"
    assert f'keyId="{BASE}/actor#main-key"' in flags[0].headers["Signature"]


async def test_a_report_not_forwarded_stays_here(warmline: Warmline, peer: Peer) -> None:
    w = warmline
    alice = await member_api(w, "alice", "write:reports")
    erin = await w.remote_account(peer.add("erin"))

    await alice.post("/api/v1/reports", data={"account_id": str(erin.id), "comment": "hm"})

    await w.run_deliveries()
    assert [r for r in peer.received if r.doc["type"] == "Flag"] == []
    assert [(r.account_id, r.target_account_id) for r in await open_reports(w)] == [
        (w.alice.id, erin.id)
    ]


async def test_what_cannot_be_reported_is_a_clear_error(warmline: Warmline, peer: Peer) -> None:
    w = warmline
    alice = await member_api(w, "alice", "write:reports")
    mine = await post(w, "Mine")
    refused = await alice.post(
        "/api/v1/reports",
        json={"account_id": str(w.bob.id), "status_ids": [str(mine.id)]},
        status=422,
    )
    assert refused == {
        "error": "a reported post is not one of the account's",
        "field": "status_ids",
    }
    await alice.post("/api/v1/reports", json={}, status=422)
    await alice.post("/api/v1/reports", json={"account_id": "99999"}, status=404)
    await alice.post("/api/v1/reports", json={"account_id": str(w.alice.id)}, status=422)
    refused = await alice.post(
        "/api/v1/reports", json={"account_id": str(w.bob.id), "category": "rude"}, status=422
    )
    assert refused["field"] == "category"
    assert await open_reports(w) == []


def flag_from(peer: Peer, name: str, objects: list[str], text: str) -> dict[str, Any]:
    actor = peer.actors[name]
    return remote_activity(actor, "Flag", objects, content=text)


async def test_another_servers_flag_lands_in_the_queue_once(warmline: Warmline, peer: Peer) -> None:
    w = warmline
    peer.add("mod")
    mine = await post(w, "Something they did not like")
    flag = flag_from(peer, "mod", [ALICE, f"{ALICE}/statuses/{mine.id}"], "<p>Look at this</p>")

    await w.deliver(peer.actors["mod"], flag)
    await reports.on_flag(w.svc, flag, peer.actors["mod"].id)  # the same Flag again: once

    found = await open_reports(w)
    assert len(found) == 1
    assert (found[0].target_account_id, found[0].status_ids) == (w.alice.id, [mine.id])
    assert (found[0].comment, found[0].forwarded, found[0].uri) == (
        "Look at this",
        True,
        flag["id"],
    )


async def test_a_flag_about_nothing_of_ours_or_from_a_server_whose_reports_we_reject_is_dropped(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    peer.add("mod")
    await w.deliver(peer.actors["mod"], flag_from(peer, "mod", [f"{peer.origin}/users/x"], "?"))
    await domain_blocks.block(w.svc, peer.host, severity="noop", reject_reports=True)
    await w.deliver(peer.actors["mod"], flag_from(peer, "mod", [ALICE], "spam!"))

    assert await open_reports(w) == []


async def test_moderators_resolve_and_reopen_reports(warmline: Warmline, peer: Peer) -> None:
    w = warmline
    mo = await member_api(w, "mo", "admin:read admin:write", role="moderator")
    alice = await member_api(w, "alice", "write:reports admin:read")
    made = await alice.post("/api/v1/reports", json={"account_id": str(w.bob.id), "comment": "x"})

    queue = await mo.get(ADMIN_REPORTS)
    assert [r["id"] for r in queue] == [made["id"]]
    one = queue[0]
    assert (one["account"]["username"], one["target_account"]["username"]) == ("alice", "bob")
    assert one["action_taken"] is False and one["action_taken_by_account"] is None

    done = await mo.post(f"{ADMIN_REPORTS}/{made['id']}/resolve")
    assert done["action_taken"] is True
    assert done["action_taken_by_account"]["username"] == "mo"
    assert await mo.get(ADMIN_REPORTS) == []
    assert [r["id"] for r in await mo.get(ADMIN_REPORTS, params={"resolved": "true"})] == [
        made["id"]
    ]
    await mo.post(f"{ADMIN_REPORTS}/{made['id']}/resolve", status=409)
    await mo.post(f"{ADMIN_REPORTS}/{made['id']}/reopen")
    await alice.get(ADMIN_REPORTS, status=403)  # the scope is not enough: alice is no moderator

    log = [(e.moderator, e.action) for e in await audit.entries(w.svc)]
    assert log == [("mo", "report_reopen"), ("mo", "report_resolve")]
