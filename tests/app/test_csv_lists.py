# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Mastodon's ``lists.csv``: exported as ``List name,Account address`` lines, and
imported as Mastodon does (lists made by name, accounts followed first).

The same app, peer and browsers as ``test_csv_exchange``."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from apiclient import member

from server.services import graph
from server.services import lists as lists_svc
from server.store import graph as graph_q
from server.store.accounts import AccountRow
from tests.app.test_csv_exchange import clients, export, following_of, signed_in, upload  # noqa: F401
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Peer,
    Warmline,
    make_peer,
    peer,
    start_warmline,
    warmline,
)


async def on_lists(w: Warmline, me: AccountRow) -> dict[str, list[str]]:
    """Each of the member's lists, by title, with its accounts' usernames."""
    found: dict[str, list[str]] = {}
    for each in await lists_svc.all_lists(w.svc, me):
        accounts = await lists_svc.members(w.svc, me, each.id, None)
        found[each.title] = sorted(a.username for _, a in accounts)
    return found


async def test_lists_are_exported_as_mastodon_writes_them_and_imported_back(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    carol_browser, carol = await signed_in(w, clients, "carol")
    dave_browser, dave = await signed_in(w, clients, "dave")
    await graph.follow(w.svc, carol, w.alice)
    await graph.follow(w.svc, carol, w.bob)
    clients_list = await lists_svc.create(w.svc, carol, "Clients, 2027")
    await lists_svc.add_accounts(w.svc, carol, clients_list.id, [w.alice.id, w.bob.id])
    await lists_svc.create(w.svc, carol, "Nobody yet")  # no accounts: no line
    bob_list = await lists_svc.create(w.svc, carol, "=Bob")
    await lists_svc.add_accounts(w.svc, carol, bob_list.id, [w.bob.id])

    text = await export(carol_browser, "lists")
    assert text == '"Clients, 2027",alice@a.test\n"Clients, 2027",bob@a.test\n\'=Bob,bob@a.test\n'
    api = await member(w.client, "carol")
    resp = await w.client.get("/api/v1/warmline/export/lists.csv", headers=api._h())
    assert resp.status == 200 and await resp.text() == text
    assert resp.headers["Content-Disposition"] == 'attachment; filename="a.test-lists.csv"'
    page = await carol_browser.get("/settings/import")
    assert "/settings/export/lists.csv" in page

    # Dave imports it: he follows alice and bob first, and the lists are made.
    page = await upload(dave_browser, "lists", text)
    assert "Imported 3 of 3 lines (0 unchanged)." in page
    assert await following_of(w, dave) == {"alice@a.test", "bob@a.test"}
    assert await on_lists(w, dave) == {"Clients, 2027": ["alice", "bob"], "'=Bob": ["bob"]}
    page = await upload(dave_browser, "lists", text)
    assert "Imported 0 of 3 lines (3 unchanged)." in page


async def test_overwrite_takes_off_a_named_list_whom_the_file_does_not_name(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    await graph.follow(w.svc, carol, w.alice)
    await graph.follow(w.svc, carol, w.bob)
    team = await lists_svc.create(w.svc, carol, "Team")
    other = await lists_svc.create(w.svc, carol, "Other")
    await lists_svc.add_accounts(w.svc, carol, team.id, [w.alice.id, w.bob.id])
    await lists_svc.add_accounts(w.svc, carol, other.id, [w.bob.id])
    page = await upload(browser, "lists", "Team,alice@a.test\n", mode="overwrite")
    assert "Removed 1 that the file did not name." in page
    assert await on_lists(w, carol) == {"Team": ["alice"], "Other": ["bob"]}
    # Merge leaves alone what the file does not name.
    await upload(browser, "lists", "Other,alice@a.test\n")
    assert await on_lists(w, carol) == {"Team": ["alice"], "Other": ["alice", "bob"]}


async def test_lines_that_cannot_be_used_are_named(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    browser, carol = await signed_in(warmline, clients, "carol")
    text = ",alice@a.test\nTeam,not an address\nTeam,nobody@a.test\nTeam,carol@a.test\n"
    page = await upload(browser, "lists", text)
    assert "Imported 0 of 4 lines" in page
    assert "Line 1 (alice@a.test): a list&#39;s name is needed" in page
    assert "Line 2 (not an address): this is not an account" in page
    assert "Line 3 (nobody@a.test): nobody here has this address" in page
    assert "Line 4 (carol@a.test): you cannot put yourself on a list" in page
    assert await on_lists(warmline, carol) == {"Team": []}


async def test_a_remote_account_is_followed_and_added_once_it_accepts(
    warmline: Warmline, peer: Peer, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    peer.add("zoe")
    text = f"Far away,zoe@{peer.host}\n"
    page = await upload(browser, "lists", text)
    assert "a follow request was sent: import this file again once it is accepted" in page
    zoe = await w.remote_account(peer.actors["zoe"])
    async with w.svc.db.transaction() as conn:
        row = await graph_q.get_follow(conn, carol.id, zoe.id)
        assert row is not None and row.state == graph_q.PENDING
        await graph_q.set_follow_state(conn, row.id, graph_q.ACCEPTED)  # as if zoe accepted
    page = await upload(browser, "lists", text)
    assert "Imported 1 of 1 lines" in page
    assert await on_lists(w, carol) == {"Far away": ["zoe"]}
