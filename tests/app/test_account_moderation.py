# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Moderating one account (``services/account_moderation``, Mastodon's
``/api/v1/admin/accounts``): suspend and limit, local or remote, and undo;
who may; and the moderation log."""

from __future__ import annotations

from apiclient import Member

from server.services import audit, domain_blocks, members, timelines, tokens
from server.store import graph as graph_q
from server.store.statuses import Page
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Peer,
    Warmline,
    follower_on,
    make_peer,
    peer,
    post,
    remote_post,
    start_warmline,
    warmline,
)

ACCOUNTS = "/api/v1/admin/accounts"
ADMIN_SCOPES = "admin:read admin:write"


async def staff(
    w: Warmline, name: str, role: str, scopes: str = "admin:read admin:write"
) -> Member:
    account = await members.create_member(w.svc.db, name, role=role)
    token = await tokens.create_token(w.svc.db, name, scopes=scopes)
    return Member(w.client, token, str(account.id))


async def test_a_moderator_suspends_a_remote_account_and_lifts_it(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    mo = await staff(w, "mo", "moderator")
    erin = await w.remote_account(await follower_on(w, peer))

    seen = await mo.get(f"{ACCOUNTS}/{erin.id}")
    assert (seen["username"], seen["domain"], seen["suspended"]) == ("erin", peer.host, False)
    assert seen["account"]["acct"] == f"erin@{peer.host}"

    assert (
        await mo.post(f"{ACCOUNTS}/{erin.id}/action", json={"type": "suspend", "text": "spam"})
        == {}
    )

    assert (await w.refresh(erin)).suspended_at is not None
    async with w.svc.db.read() as conn:
        assert await graph_q.get_follow(conn, erin.id, w.alice.id) is None
    await mo.post(f"{ACCOUNTS}/{erin.id}/action", json={"type": "suspend"}, status=409)

    lifted = await mo.post(f"{ACCOUNTS}/{erin.id}/unsuspend")
    assert lifted["suspended"] is False
    assert (await w.refresh(erin)).suspended_at is None

    log = await audit.entries(w.svc)
    assert [(e.moderator, e.action, e.target, e.text) for e in log] == [
        ("mo", "unsuspend", f"@erin@{peer.host}", ""),
        ("mo", "suspend", f"@erin@{peer.host}", "spam"),
    ]


async def test_a_limited_account_stays_out_of_public_timelines(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    ada = await staff(w, "ada", "admin")
    erin = await w.remote_account(peer.add("erin"))
    theirs = await remote_post(w, peer.actors["erin"])

    await ada.post(f"{ACCOUNTS}/{erin.id}/action", data={"type": "silence"})

    public = [s.id for s in await timelines.public(w.svc, None, Page(limit=40))]
    assert theirs.id not in public
    assert (await ada.get(f"{ACCOUNTS}/{erin.id}"))["silenced"] is True
    assert (await ada.post(f"{ACCOUNTS}/{erin.id}/unsilence"))["silenced"] is False
    assert theirs.id in [s.id for s in await timelines.public(w.svc, None, Page(limit=40))]


async def test_suspending_a_local_member_ends_their_access(warmline: Warmline) -> None:
    w = warmline
    ada = await staff(w, "ada", "admin")
    bob_token = await tokens.create_token(w.svc.db, "bob", scopes="read")
    mine = await post(w, "Hello")

    await ada.post(f"{ACCOUNTS}/{w.bob.id}/action", json={"type": "suspend"})

    resp = await w.client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {bob_token}"}
    )
    assert resp.status == 401
    assert (await ada.get(f"{ACCOUNTS}/{w.bob.id}"))["suspended"] is True
    await ada.post(f"{ACCOUNTS}/{w.bob.id}/unsuspend")
    assert (await w.refresh(w.bob)).suspended_at is None
    assert mine.id  # alice, not acted on, keeps posting


async def test_who_may_moderate_whom(warmline: Warmline) -> None:
    w = warmline
    ada = await staff(w, "ada", "admin")
    mo = await staff(w, "mo", "moderator")
    member = await staff(w, "mel", "member")

    await member.post(f"{ACCOUNTS}/{w.bob.id}/action", json={"type": "suspend"}, status=403)
    await mo.post(f"{ACCOUNTS}/{ada.id}/action", json={"type": "silence"}, status=403)
    await mo.post(f"{ACCOUNTS}/{mo.id}/action", json={"type": "silence"}, status=403)
    await ada.post(f"{ACCOUNTS}/{mo.id}/action", json={"type": "silence"})
    everyday = await staff(w, "eve", "admin", scopes="read write")
    await everyday.post(f"{ACCOUNTS}/{w.bob.id}/action", json={"type": "suspend"}, status=403)


async def test_unknown_actions_and_accounts_are_clear_errors(warmline: Warmline) -> None:
    w = warmline
    ada = await staff(w, "ada", "admin")

    refused = await ada.post(f"{ACCOUNTS}/{w.bob.id}/action", json={"type": "nuke"}, status=422)
    assert refused == {
        "error": "type must be one of none, silence, suspend, not 'nuke'",
        "field": "type",
    }
    refused = await ada.post(f"{ACCOUNTS}/{w.bob.id}/action", json={"type": "disable"}, status=422)
    assert "not supported here" in refused["error"]
    await ada.get(f"{ACCOUNTS}/999999", status=404)
    await ada.post(f"{ACCOUNTS}/{w.bob.id}/unsilence", status=409)


async def test_a_warning_and_domain_blocks_are_in_the_log(warmline: Warmline) -> None:
    w = warmline
    ada = await staff(w, "ada", "admin")

    await ada.post(f"{ACCOUNTS}/{w.bob.id}/action", json={"type": "none", "text": "be nice"})
    await ada.post(
        "/api/v1/admin/domain_blocks", json={"domain": "spam.example", "severity": "suspend"}
    )
    block = await domain_blocks.block_by_domain(w.svc, "spam.example")
    await domain_blocks.unblock(w.svc, block.id)  # the command line: no moderator

    log = [(e.moderator, e.action, e.target, e.text) for e in await audit.entries(w.svc)]
    assert log == [
        (None, "domain_unblock", "spam.example", ""),
        ("ada", "domain_suspend", "spam.example", ""),
        ("ada", "warn", "@bob@a.test", "be nice"),
    ]
