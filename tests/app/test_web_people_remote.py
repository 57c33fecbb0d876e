# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Asking for an introduction to someone on another instance from their profile.

This instance does not know whom they are connected with there, so no shared
connection shows: the member names the connection of theirs (on another
Warmline instance) who could introduce them, and that connection's instance
checks that they do know each other."""

from __future__ import annotations

from datetime import UTC, datetime

from webclient import Browser, member_with_password

from server.services import introductions, members
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store.accounts import AccountRow
from server.store.statuses import Page
from server.web.views import person
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Peer,
    Warmline,
    make_peer,
    peer,
    start_warmline,
    warmline,
)

HTMX = {"HX-Request": "true"}


async def remote(w: Warmline, peer: Peer, name: str, *, speaks_warmline: bool) -> AccountRow:
    peer.display_names[name] = name.title()
    account = await w.remote_account(peer.add(name))
    async with w.svc.db.transaction() as conn:
        await accounts_q.update_account(conn, account.id, {"warmline": speaks_warmline})
    return await w.refresh(account)


async def test_a_connection_elsewhere_is_asked_for_an_introduction(
    warmline: Warmline, peer: Peer
) -> None:
    w, svc = warmline, warmline.svc
    await member_with_password(w.client, "erin")
    erin = await members.get_member(svc.db, "erin")
    dave = await remote(w, peer, "dave", speaks_warmline=True)
    zed = await remote(w, peer, "zed", speaks_warmline=False)  # plain ActivityPub
    cara = await remote(w, peer, "cara", speaks_warmline=True)
    async with svc.db.transaction() as conn:
        for other in (dave, zed, w.bob):
            await connections_q.insert_connection(conn, erin.id, other.id, "", datetime.now(UTC))
    browser = Browser(w.client)
    await browser.sign_in("erin")

    page = await browser.get(person(svc, cara).path)
    assert "Who could introduce you to Cara?" in page
    assert f'<option value="{dave.id}">Dave (@dave@' in page
    assert f'value="{zed.id}"' not in page  # cannot take part in an introduction
    assert f'value="{w.bob.id}"' not in page  # local: his connections are known here

    ask = {"via": str(dave.id), "any": "1"}
    refused = await browser.post(f"/people/{cara.id}/introduce", {**ask, "reason": ""}, status=422)
    assert "Reason is required" in refused.body_text
    assert 'id="intro-reason-any"' in refused.body_text
    assert '<details class="expand" open>' in refused.body_text  # the form stays open
    box = await browser.post(
        f"/people/{cara.id}/introduce", {**ask, "reason": "We both bake."},
        status=200, headers=HTMX,
    )  # fmt: skip
    assert "You asked Dave to introduce you to Cara." in box.body_text
    assert "Waiting for an answer" in box.body_text
    [intro] = await introductions.list_mine(svc, erin, "requester", Page())
    assert (intro.introducer_id, intro.target_id) == (dave.id, cara.id)

    # Someone here, with no shared connection: nobody to offer.
    await member_with_password(w.client, "fay")
    page = await browser.get("/@fay")
    assert "You have no connections in common with Fay yet." in page
    assert "Who could introduce you" not in page
