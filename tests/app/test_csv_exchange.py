# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Mastodon's CSV exports and imports: follows, followers, blocks, mutes, bookmarks.

One Warmline app (a.test, workers off) with alice and bob, members carol and
dave who sign in with a browser, and a fake peer that answers WebFinger and
serves its actors (and records what we deliver).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from apiclient import member
from webclient import Browser, member_with_password

from server.services import blocks, csv_import, graph, members, personal, posts
from server.services.csv_exchange import _write, address, following, safe_cell
from server.services.posts import Draft
from server.store.accounts import AccountRow
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    BASE,
    Peer,
    Warmline,
    alice_follows,
    make_peer,
    peer,
    start_warmline,
    warmline,
)

FOLLOWING_HEADER = "Account address,Show boosts,Notify on new posts,Languages"


@pytest.fixture
async def clients(warmline: Warmline) -> AsyncIterator[list[TestClient]]:
    """Clients of the warmline app, each with its own cookies (closed at the end)."""
    opened: list[TestClient] = []
    yield opened
    for other in opened:
        await other.session.close()  # not other.close(): the server is the fixture's


async def signed_in(
    w: Warmline, clients: list[TestClient], username: str
) -> tuple[Browser, AccountRow]:
    await member_with_password(w.client, username)
    other = TestClient(w.client.server)
    await other.start_server()
    clients.append(other)
    browser = Browser(other)
    await browser.sign_in(username)
    return browser, await members.get_member(w.svc.db, username)


async def export(browser: Browser, kind: str) -> str:
    resp = await browser.client.get(f"/settings/export/{kind}.csv", allow_redirects=False)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=")
    return await resp.text()


async def upload(
    browser: Browser, kind: str, text: str | bytes, mode: str = "merge", status: int = 200
) -> str:
    await browser.get("/settings/import")
    form = FormData()
    form.add_field("type", kind)
    form.add_field("mode", mode)
    data = text.encode() if isinstance(text, str) else text
    form.add_field("file", data, filename=f"{kind}.csv", content_type="text/csv")
    resp = await browser.post("/settings/import", form, status=status)
    return resp.body_text


async def following_of(w: Warmline, me: AccountRow) -> set[str]:
    return {address(w.svc, a) for a in await following(w.svc, me)}


async def test_exports_are_written_as_mastodon_writes_them(
    warmline: Warmline, peer: Peer, clients: list[TestClient]
) -> None:
    w = warmline
    carol_browser, carol = await signed_in(w, clients, "carol")
    zoe = await w.remote_account(peer.add("zoe"))
    await graph.follow(w.svc, carol, w.alice)
    await graph.follow(w.svc, w.bob, carol)
    await blocks.block(w.svc, carol, zoe, on=True)
    await personal.mute(w.svc, carol, w.bob, on=True, notifications=False)
    note = await posts.create_status(w.svc, w.alice, Draft("Worth keeping"))
    await personal.bookmark(w.svc, carol, note.id, on=True)

    resp = await carol_browser.client.get("/settings/export/following.csv")
    assert resp.headers["Content-Disposition"] == (
        'attachment; filename="a.test-following_accounts.csv"'
    )
    assert (
        await export(carol_browser, "following")
        == f"{FOLLOWING_HEADER}\nalice@a.test,true,false,\n"
    )
    assert await export(carol_browser, "followers") == "bob@a.test\n"
    assert await export(carol_browser, "blocks") == f"zoe@{peer.host}\n"
    assert (
        await export(carol_browser, "mutes")
        == "Account address,Hide notifications\nbob@a.test,false\n"
    )
    assert await export(carol_browser, "bookmarks") == f"{BASE}/users/alice/statuses/{note.id}\n"
    # The API gives the same files with a token.
    api = await member(w.client, "carol")
    resp = await w.client.get("/api/v1/warmline/export/blocks.csv", headers=api._h())
    assert resp.status == 200 and await resp.text() == f"zoe@{peer.host}\n"
    resp = await w.client.get("/api/v1/warmline/export/blocks.csv")
    assert resp.status == 401


async def test_a_cell_a_spreadsheet_would_run_is_neutralised() -> None:
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("+1") == "'+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("ann@a.test") == "ann@a.test"
    assert _write([["-2+3"]]) == "'-2+3\n"


async def test_a_round_trip_between_two_members(
    warmline: Warmline, peer: Peer, clients: list[TestClient]
) -> None:
    w = warmline
    carol_browser, carol = await signed_in(w, clients, "carol")
    dave_browser, dave = await signed_in(w, clients, "dave")
    await graph.follow(w.svc, carol, w.alice)
    await graph.follow(w.svc, carol, w.bob)
    await blocks.block(w.svc, carol, await w.remote_account(peer.add("zoe")), on=True)
    await personal.mute(w.svc, carol, w.bob, on=True, notifications=False)
    note = await posts.create_status(w.svc, w.alice, Draft("Worth keeping"))
    await personal.bookmark(w.svc, carol, note.id, on=True)
    for kind in ("following", "blocks", "mutes", "bookmarks"):
        page = await upload(dave_browser, kind, await export(carol_browser, kind))
        assert "Imported" in page
        mine, theirs = await export(dave_browser, kind), await export(carol_browser, kind)
        assert sorted(mine.splitlines()) == sorted(theirs.splitlines()), kind
    assert await following_of(w, dave) == {"alice@a.test", "bob@a.test"}
    # Importing again changes nothing and says so.
    page = await upload(dave_browser, "following", await export(carol_browser, "following"))
    assert "Imported 0 of 2 lines (2 unchanged)." in page


async def test_mastodon_files_with_and_without_their_header(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    # An older export: no header, addresses with a leading @, a BOM, CRLF.
    page = await upload(browser, "following", "\ufeff@alice@a.test\r\nbob@a.test\r\n\r\n")
    assert "Imported 2 of 2 lines" in page
    assert await following_of(w, carol) == {"alice@a.test", "bob@a.test"}
    page = await upload(
        browser,
        "mutes",
        "Account address,Hide notifications\nalice@a.test,false\nbob@a.test,true\n",
    )
    assert "Imported 2 of 2 lines" in page
    assert await export(browser, "mutes") == (
        "Account address,Hide notifications\nbob@a.test,true\nalice@a.test,false\n"
    )
    page = await upload(browser, "blocks", "bob@a.test\n")
    assert "Imported 1 of 1 lines" in page
    assert await export(browser, "blocks") == "bob@a.test\n"
    assert await following_of(w, carol) == {"alice@a.test"}  # the block ended the follow


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file"),
        (b"\xff\xfeal\xe9", "not UTF-8 text"),
        (b"alice@a.test\n" * 100_000, "larger than 1 MB"),
        (b"someone@b.test\n" * 2_001, "This file has 2,001 lines: at most 2,000"),
        (b"\n\n", "This file is empty"),
    ],
)
async def test_a_file_that_cannot_be_read_is_refused_in_words(
    warmline: Warmline, clients: list[TestClient], data: bytes, words: str
) -> None:
    browser, carol = await signed_in(warmline, clients, "carol")
    page = await upload(browser, "following", data, status=422)
    assert words in page
    assert await following_of(warmline, carol) == set()


async def test_a_form_without_a_file_kind_or_mode_is_refused(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    browser, _ = await signed_in(warmline, clients, "carol")
    await browser.get("/settings/import")
    form = FormData()
    form.add_field("type", "following")
    form.add_field("file", b"", filename="empty.csv", content_type="text/csv")
    resp = await browser.post("/settings/import", form, status=422)
    assert "Choose a CSV file to import" in resp.body_text
    assert "Choose what the file holds" in await upload(
        browser, "followers", "a@a.test", status=422
    )
    page = await upload(browser, "following", "alice@a.test", mode="replace", status=422)
    assert "Choose whether to merge or to overwrite" in page


async def test_lines_that_cannot_be_used_are_named_and_the_others_imported(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    text = '=HYPERLINK("http://evil.example","x")\nnobody@a.test\nalice@a.test\n@alice@a.test\ncarol@a.test\n'
    page = await upload(browser, "following", text)
    assert "Imported 1 of 5 lines" in page
    assert "Line 1 (=HYPERLINK(&#34;http://evil.example&#34;): this is not an account" in page
    assert "Line 2 (nobody@a.test): nobody here has this address" in page
    assert "Line 4 (@alice@a.test): this account is on an earlier line already" in page
    assert "Line 5 (carol@a.test): you cannot follow yourself" in page
    assert await following_of(w, carol) == {"alice@a.test"}
    page = await upload(
        browser, "bookmarks", "javascript:alert(1)\nhttp://a.test/users/alice/statuses/1\n"
    )
    assert "this is not a post&#39;s address" in page and "this post could not be found" in page


async def test_overwrite_ends_what_the_file_does_not_name(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    await graph.follow(w.svc, carol, w.alice)
    await graph.follow(w.svc, carol, w.bob)
    await personal.mute(w.svc, carol, w.alice, on=True)
    note = await posts.create_status(w.svc, w.alice, Draft("Worth keeping"))
    await personal.bookmark(w.svc, carol, note.id, on=True)
    page = await upload(browser, "following", "bob@a.test\n", mode="overwrite")
    assert "Removed 1 that the file did not name." in page
    assert await following_of(w, carol) == {"bob@a.test"}
    await upload(
        browser, "mutes", "Account address,Hide notifications\nbob@a.test,true\n", mode="overwrite"
    )
    assert await export(browser, "mutes") == "Account address,Hide notifications\nbob@a.test,true\n"
    await upload(browser, "bookmarks", "\n\nhttps://nowhere.invalid/1\n", mode="overwrite")
    assert await export(browser, "bookmarks") == ""
    # Merge leaves alone what the file does not name.
    await upload(browser, "following", "alice@a.test\n")
    assert await following_of(w, carol) == {"alice@a.test", "bob@a.test"}


async def test_accounts_elsewhere_are_found_through_webfinger_and_followed(
    warmline: Warmline, peer: Peer, clients: list[TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    w = warmline
    browser, _ = await signed_in(w, clients, "carol")
    for name in ("zoe", "yan", "xia"):
        peer.add(name)
    monkeypatch.setattr(csv_import, "MAX_REMOTE", 3)
    text = f"{FOLLOWING_HEADER}\nzoe@{peer.host},true,false,\nghost@{peer.host},true,false,\n"
    text += f"@yan@{peer.host},false,true,en\nxia@{peer.host},true,false,\n"
    page = await upload(browser, "following", text)
    assert "Imported 2 of 4 lines (0 unchanged)." in page
    assert f"Line 3 (ghost@{peer.host}): this account could not be found on its server" in page
    assert "1 line names an account or post on another server that was not looked up" in page
    follows = await w.sent("Follow")
    assert [f["object"] for f in follows] == [f"{peer.origin}/users/{n}" for n in ("zoe", "yan")]
    await w.run_deliveries()
    assert [kind for _, kind in peer.posted()] == ["Follow", "Follow"]
    # The same file again goes on where the first import stopped.
    page = await upload(browser, "following", text)
    assert "Imported 1 of 4 lines (2 unchanged)." in page
    assert {f["object"] for f in await w.sent("Follow")} == {
        f"{peer.origin}/users/{name}" for name in ("zoe", "yan", "xia")
    }
    # A block of a remote account sends it a Block, as the block button does.
    await upload(browser, "blocks", f"zoe@{peer.host}\n")
    assert (await w.last_sent("Block"))["object"] == f"{peer.origin}/users/zoe"
