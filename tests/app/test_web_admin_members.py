"""Administration on the web: the members, searched and paged; suspending them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient
from webclient import PASSWORD, Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import member_admin, members, tokens, websessions
from server.web import admin_members

Browsers = Callable[[], Awaitable[Browser]]
HTMX = {"HX-Request": "true"}


async def _admin(client: TestClient) -> Browser:
    await member_with_password(client, "ada", role="admin", display_name="Ada Admin")
    browser = Browser(client)
    await browser.sign_in("ada")
    return browser


async def test_members_are_listed_searched_and_paged(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = await _admin(client)
    db = client.app[DB]
    await members.create_member(db, "bob", display_name="Bob Baker")
    await members.create_member(db, "carol", display_name="Carol Cooper")
    await member_admin.suspend(client.app[SERVICES], "carol")
    page = await ada.get("/admin/members")
    for name in ("Alice Archer", "Ada Admin", "Bob Baker", "Carol Cooper"):
        assert name in page
    assert "Admin</li>" in page and "Suspended</li>" in page and "That’s you" in page
    page = await ada.get("/admin/members?q=cooper")
    assert "Carol Cooper" in page and "Bob Baker" not in page
    assert "1 member matches “cooper”." in page
    page = await ada.get("/admin/members?q=%25_")
    assert "No member matches this search." in page  # % and _ are letters, not wildcards
    monkeypatch.setattr(admin_members, "PER_PAGE", 2)
    first = await ada.get("/admin/members")
    assert "Page 1 of 2" in first and "Ada Admin" in first and "Carol Cooper" not in first
    assert 'href="/admin/members?page=2"' in first
    second = await ada.get("/admin/members?page=2")
    assert "Carol Cooper" in second and 'href="/admin/members?page=1"' in second
    assert "Page 2 of 2" in await ada.get("/admin/members?page=99")  # past the end: the last
    assert "Page 1 of 2" in await ada.get("/admin/members?page=-1")


async def test_members_page_is_for_admins(client: TestClient) -> None:
    resp = await client.get("/admin/members", allow_redirects=False)
    assert resp.headers["Location"] == "/signin?next=/admin/members"
    await member_with_password(client, "bob")
    bob = Browser(client)
    await bob.sign_in("bob")
    assert "This page is for the instance" in await bob.get("/admin/members", status=403)
    await bob.post("/admin/members/alice/suspend", status=403)
    assert (await members.get_member(client.app[DB], "alice")).suspended_at is None


async def test_suspending_ends_sessions_and_refuses_sign_in(
    client: TestClient, browsers: Browsers
) -> None:
    ada = await _admin(client)
    await member_with_password(client, "bob")
    bob = await browsers()
    await bob.sign_in("bob")
    svc = client.app[SERVICES]
    token = await tokens.create_token(svc.db, "bob")
    page = await ada.get("/admin/members")
    assert 'action="/admin/members/bob/suspend"' in page and "Suspend @bob" in page
    resp = await ada.post(
        "/admin/members/bob/suspend", headers={"Referer": "http://a.test/admin/members?q=b"}
    )
    assert resp.headers["Location"] == "/admin/members?q=b"
    assert "@bob is suspended and signed out everywhere." in await ada.get("/admin/members")
    bob_row = await members.get_member(svc.db, "bob")
    assert bob_row.suspended_at is not None
    assert await websessions.listed(svc, bob_row) == []  # ended, not just refused later
    assert "Sign in" in await bob.get("/")
    await bob.get("/signin")
    await bob.post("/signin", {"username": "bob", "password": PASSWORD}, status=401)
    api = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status == 401
    resp = await ada.post("/admin/members/bob/suspend", status=409)
    assert "already suspended" in resp.body_text
    # Lifting it: bob signs in again.
    resp = await ada.post("/admin/members/bob/unsuspend")
    assert "@bob can sign in again." in await ada.get("/admin/members")
    await bob.sign_in("bob")
    resp = await ada.post("/admin/members/bob/unsuspend", status=409)
    assert "not suspended" in resp.body_text


async def test_suspending_with_htmx_answers_the_row(client: TestClient) -> None:
    ada = await _admin(client)
    await member_with_password(client, "bob", display_name="Bob Baker")
    resp = await ada.post("/admin/members/bob/suspend", status=200, headers=HTMX)
    assert "Suspended</li>" in resp.body_text and "<html" not in resp.body_text
    assert "Lift suspension" in resp.body_text and "@bob is suspended." in resp.body_text
    # Done already (another admin, another tab): the row as it now is, not an error.
    resp = await ada.post("/admin/members/bob/suspend", status=200, headers=HTMX)
    assert "Suspended</li>" in resp.body_text
    resp = await ada.post("/admin/members/bob/unsuspend", status=200, headers=HTMX)
    assert "Active</li>" in resp.body_text and "Suspend…" in resp.body_text


async def test_refused_suspensions_say_why(client: TestClient) -> None:
    ada = await _admin(client)
    resp = await ada.post("/admin/members/ada/suspend", status=403)
    assert "You cannot suspend yourself" in resp.body_text
    assert (await members.get_member(client.app[DB], "ada")).suspended_at is None
    resp = await ada.post("/admin/members/nobody/suspend", status=404)
    assert "no member called" in resp.body_text
    await ada.post("/admin/members/actor/suspend", status=404)
    await ada.post("/admin/members/bob/delete", status=404)  # no such action here


async def test_a_deleted_member_has_no_sessions_left(client: TestClient) -> None:
    await member_with_password(client, "bob")
    bob = Browser(client)
    await bob.sign_in("bob")
    svc = client.app[SERVICES]
    row = await members.get_member(svc.db, "bob")
    await member_admin.delete_member(svc, "bob")
    assert await websessions.listed(svc, row) == []
    ada = await _admin(client)
    page = await ada.get("/admin/members?q=bob")
    assert "Deleted</li>" in page and "Suspend…" not in page
