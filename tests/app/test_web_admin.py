"""Administration on the web: admins only; how people join, description and rules,
invites, sign-ups waiting for approval."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from webclient import PASSWORD, Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import members, registrations
from server.services.errors import NotFound

Browsers = Callable[[], Awaitable[Browser]]
HTMX = {"HX-Request": "true"}
PAGES = ("/admin", "/admin/joining", "/admin/about", "/admin/invites", "/admin/signups")
SIGN_UP = {
    "display_name": "Dana Dev", "username": "dana", "password": PASSWORD,
    "password_again": PASSWORD, "rules": "1",
}  # fmt: skip


async def _admin(client: TestClient) -> Browser:
    await member_with_password(client, "ada", role="admin", display_name="Ada Admin")
    browser = Browser(client)
    await browser.sign_in("ada")
    return browser


async def _mode(client: TestClient, mode: str) -> None:
    svc = client.app[SERVICES]
    await svc.site.change(svc.now(), registrations=mode)


async def test_administration_is_for_admins_only(client: TestClient, browsers: Browsers) -> None:
    for path in PAGES:
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == f"/signin?next={path}"
    await member_with_password(client, "bob")
    bob = await browsers()
    await bob.sign_in("bob")
    assert 'href="/admin"' not in await bob.get("/")
    for path in PAGES:
        page = await bob.get(path, status=403)
        assert "This page is for the instance" in page
    for path in ("/admin/joining", "/admin/invites", "/admin/signups/1/approve"):
        resp = await bob.post(path, {"registrations": "open", "max_uses": "1"}, status=403)
        assert "This page is for the instance" in resp.body_text
    assert (await client.app[SERVICES].site.get()).registrations == "approval"
    assert await registrations.usable_invites(client.app[SERVICES]) == []
    ada = await _admin(client)
    home = await ada.get("/")
    assert 'href="/admin"' in home
    for path in PAGES:
        assert "Administration" in await ada.get(path)


async def test_the_overview_counts(client: TestClient) -> None:
    ada = await _admin(client)
    svc = client.app[SERVICES]
    await registrations.create_invite(svc, None)
    page = await ada.get("/admin")
    assert "0</span>" in page and "sign-ups waiting" in page
    assert "invite link in use" in page and "members" in page
    assert "Approval" in page  # the default mode


async def test_changing_how_people_join(client: TestClient, browsers: Browsers) -> None:
    ada = await _admin(client)
    page = await ada.get("/admin/joining")
    assert 'value="approval" checked' in page
    for mode in ("open", "approval", "invite", "closed"):
        assert f'id="field-registrations-{mode}"' in page
    resp = await ada.post("/admin/joining", {"registrations": "closed"})
    assert resp.headers["Location"] == "/admin/joining"
    assert "How people join is saved." in await ada.get("/admin/joining")
    visitor = await browsers()
    assert "Sign-ups are closed" in await visitor.get("/signup")
    body = await (await client.get("/api/v2/instance")).json()
    assert body["registrations"]["enabled"] is False
    resp = await ada.post("/admin/joining", {"registrations": "open"}, status=200, headers=HTMX)
    assert "saved" in resp.body_text and 'value="open" checked' in resp.body_text
    assert "<html" not in resp.body_text
    body = await (await client.get("/api/v2/instance")).json()
    assert body["registrations"]["enabled"] is True
    assert body["registrations"]["approval_required"] is False
    assert 'name="username"' in await visitor.get("/signup")
    resp = await ada.post("/admin/joining", {"registrations": "anyone"}, status=422)
    assert "must be one of" in resp.body_text and 'id="error-registrations"' in resp.body_text
    assert (await client.app[SERVICES].site.get()).registrations == "open"


async def test_description_and_rules(client: TestClient) -> None:
    ada = await _admin(client)
    await ada.get("/admin/about")
    rules = "Be kind\r\n\r\nNo spam, no sales pitches\n  Keep introductions warm  "
    resp = await ada.post("/admin/about", {"description": "Makers of the north.", "rules": rules})
    assert resp.headers["Location"] == "/admin/about"
    site = await client.app[SERVICES].site.get()
    assert site.description == "Makers of the north."
    assert site.rules == ("Be kind", "No spam, no sales pitches", "Keep introductions warm")
    page = await ada.get("/admin/about")
    assert "The description and rules are saved." in page
    assert "Be kind\nNo spam, no sales pitches\nKeep introductions warm</textarea>" in page
    body = await (await client.get("/api/v2/instance")).json()
    assert [r["text"] for r in body["rules"]] == list(site.rules)
    long_rules = "ok rule\n" + "x" * 600
    resp = await ada.post(
        "/admin/about", {"description": "Still typed", "rules": long_rules}, status=422
    )
    assert "each rule must be at most 500 characters" in resp.body_text.lower()
    assert 'id="error-rules"' in resp.body_text and "Still typed</textarea>" in resp.body_text
    too_many = "\n".join(f"rule {n}" for n in range(25))
    resp = await ada.post("/admin/about", {"description": "", "rules": too_many}, status=422)
    assert "at most 20 rules" in resp.body_text
    resp = await ada.post("/admin/about", {"description": "d" * 2001, "rules": ""}, status=422)
    assert (
        "at most 2000 characters" in resp.body_text and 'id="error-description"' in resp.body_text
    )
    assert (await client.app[SERVICES].site.get()).description == "Makers of the north."


async def test_invites_are_made_listed_used_and_revoked(
    client: TestClient, browsers: Browsers
) -> None:
    await _mode(client, "invite")
    ada = await _admin(client)
    assert "No invite link is in use" in await ada.get("/admin/invites")
    resp = await ada.post("/admin/invites", {"max_uses": "2", "expires_in_days": "7"})
    assert resp.headers["Location"] == "/admin/invites"
    [invite] = await registrations.usable_invites(client.app[SERVICES])
    assert invite.max_uses == 2 and invite.expires_at is not None
    link = f"http://a.test/invite/{invite.code}"
    page = await ada.get("/admin/invites")
    assert f"New invite link: {link}" in page
    assert f'data-copy="{link}"' in page and "Used 0 of 2 times" in page and "by @ada" in page
    dana = await browsers()
    await dana.get(f"/signup?invite={invite.code}")
    await dana.post("/signup", {**SIGN_UP, "invite": invite.code})
    assert "Used 1 of 2 times" in await ada.get("/admin/invites")
    resp = await ada.post(f"/admin/invites/{invite.id}/revoke")
    assert "no longer works" in await ada.get("/admin/invites")
    eve = await browsers()
    assert "has expired or has been used up" in await eve.get(f"/signup?invite={invite.code}")
    resp = await ada.post(f"/admin/invites/{invite.id}/revoke", status=404)
    assert "revoked already" in resp.body_text
    await ada.post("/admin/invites/nope/revoke", status=404)
    # With htmx: the row goes.
    await ada.post("/admin/invites", {"max_uses": "", "expires_in_days": ""})
    [other] = await registrations.usable_invites(client.app[SERVICES])
    assert other.max_uses is None and other.expires_at is None
    assert "Never expires" in await ada.get("/admin/invites")
    resp = await ada.post(f"/admin/invites/{other.id}/revoke", status=200, headers=HTMX)
    assert resp.body_text == ""
    assert await registrations.usable_invites(client.app[SERVICES]) == []


async def test_a_refused_invite_says_why_and_keeps_what_was_typed(client: TestClient) -> None:
    ada = await _admin(client)
    await ada.get("/admin/invites")
    for max_uses, words in (("abc", "whole number"), ("0", "between 1 and 1000"),
                            ("5000", "between 1 and 1000")):  # fmt: skip
        resp = await ada.post(
            "/admin/invites", {"max_uses": max_uses, "expires_in_days": "30"}, status=422
        )
        assert words in resp.body_text and 'id="error-max_uses"' in resp.body_text
        assert f'value="{max_uses}"' in resp.body_text
        assert '<option value="30" selected>' in resp.body_text
    resp = await ada.post("/admin/invites", {"max_uses": "", "expires_in_days": "9999"}, status=422)
    assert "expires after 1 to 365 days" in resp.body_text
    assert await registrations.usable_invites(client.app[SERVICES]) == []


async def _waiting_sign_up(client: TestClient, browsers: Browsers, username: str) -> int:
    visitor = await browsers()
    await visitor.get("/signup")
    await visitor.post(
        "/signup",
        {**SIGN_UP, "username": username, "reason": f"{username} runs a bakery"},
        status=200,
    )
    found = {s.username: s.id for s in await registrations.waiting(client.app[SERVICES])}
    return found[username]


async def test_approving_a_sign_up_makes_a_member_who_can_sign_in(
    client: TestClient, browsers: Browsers
) -> None:
    ada = await _admin(client)
    assert "Nobody is waiting" in await ada.get("/admin/signups")
    signup_id = await _waiting_sign_up(client, browsers, "dana")
    page = await ada.get("/admin/signups")
    assert "@dana" in page and "dana runs a bakery" in page and "from 127.0.0.1" in page
    assert 'class="menu-badge">1<' in page and 'class="count-badge">1<' in page
    resp = await ada.post(f"/admin/signups/{signup_id}/approve")
    assert resp.headers["Location"] == "/admin/signups"
    page = await ada.get("/admin/signups")
    assert "@dana is now a member and can sign in." in page and 'class="menu-badge"' not in page
    dana = await browsers()
    await dana.sign_in("dana")
    resp = await ada.post(f"/admin/signups/{signup_id}/approve", status=404)
    assert "already approved or rejected" in resp.body_text
    await ada.post("/admin/signups/x1/approve", status=404)


async def test_rejecting_a_sign_up_and_htmx_answers(client: TestClient, browsers: Browsers) -> None:
    ada = await _admin(client)
    first = await _waiting_sign_up(client, browsers, "erin")
    second = await _waiting_sign_up(client, browsers, "finn")
    resp = await ada.post(f"/admin/signups/{first}/reject", status=200, headers=HTMX)
    assert "rejected" in resp.body_text and "<html" not in resp.body_text
    assert 'class="count-badge">1<' in resp.body_text  # the badges, swapped out of band
    assert 'id="admin-waiting-menu" class="menu-badge-slot" hx-swap-oob="true"' in resp.body_text
    resp = await ada.post(f"/admin/signups/{second}/approve", status=200, headers=HTMX)
    assert "@finn is now a member" in resp.body_text and "count-badge" not in resp.body_text
    assert await registrations.waiting(client.app[SERVICES]) == []
    try:
        await members.get_member(client.app[DB], "erin")
        raise AssertionError("a rejected sign-up must not become a member")
    except NotFound:
        pass
    await members.get_member(client.app[DB], "finn")
    resp = await ada.post(f"/admin/signups/{first}/reject", status=404)
    assert "already approved or rejected" in resp.body_text


async def test_the_waiting_badge_is_for_admins(client: TestClient, browsers: Browsers) -> None:
    await member_with_password(client, "bob")
    await _waiting_sign_up(client, browsers, "gail")
    bob = await browsers()
    await bob.sign_in("bob")
    assert 'class="menu-badge"' not in await bob.get("/")
    ada = await _admin(client)
    assert 'class="menu-badge">1<' in await ada.get("/")
