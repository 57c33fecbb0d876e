"""Signing up on the web in each registration mode, with invites and approval."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from webclient import PASSWORD, Browser

from server.appkeys import DB, SERVICES
from server.config import InstanceSettings, with_overrides
from server.services import members, registrations
from server.services.errors import NotFound

FORM = {
    "display_name": "Dana Dev",
    "username": "dana",
    "password": PASSWORD,
    "password_again": PASSWORD,
    "rules": "1",
}


async def _app(start: Any, mode: str) -> TestClient:
    client = await start()
    await client.app[SERVICES].site.change(client.app[SERVICES].now(), registrations=mode)
    return client


async def test_open_sign_up_signs_the_new_member_in(start: Any) -> None:
    client = await _app(start, "open")
    browser = Browser(client)
    await browser.get("/signup")
    resp = await browser.post("/signup", FORM)
    assert resp.headers["Location"] == "/profile/edit?welcome=1"
    assert "warmline_session" in resp.cookies
    dana = await members.get_member(client.app[DB], "dana")
    assert dana.display_name == "Dana Dev"


async def test_refused_sign_up_keeps_what_was_typed(start: Any) -> None:
    client = await _app(start, "open")
    browser = Browser(client)
    await browser.get("/signup")
    bad = {**FORM, "username": "no spaces please", "password_again": PASSWORD}
    resp = await browser.post("/signup", bad, status=422)
    assert "letters a-z, digits and underscores" in resp.body_text
    assert 'value="no spaces please"' in resp.body_text and 'value="Dana Dev"' in resp.body_text
    assert 'aria-invalid="true"' in resp.body_text
    resp = await browser.post("/signup", {**FORM, "password_again": "other"}, status=422)
    assert "not the same" in resp.body_text
    resp = await browser.post("/signup", {**FORM, "rules": ""}, status=422)
    assert "accept the rules" in resp.body_text
    await browser.post("/signup", FORM)
    other = Browser(client)
    client.session.cookie_jar.clear()
    await other.get("/signup")
    resp = await other.post("/signup", {**FORM, "username": "DANA"}, status=422)
    assert "already taken" in resp.body_text


async def test_closed_instance_refuses_sign_ups(start: Any) -> None:
    client = await _app(start, "closed")
    browser = Browser(client)
    page = await browser.get("/signup")
    assert "closed" in page and 'name="username"' not in page
    resp = await browser.post("/signup", FORM, status=403)
    assert "closed" in resp.body_text


async def test_invite_only_needs_a_valid_invite(start: Any) -> None:
    client = await _app(start, "invite")
    svc = client.app[SERVICES]
    browser = Browser(client)
    resp = await browser.post("/signup", FORM, status=422)
    assert "invite link is needed" in resp.body_text
    page = await browser.get("/signup?invite=nonsense")
    assert "not valid" in page
    invite = await registrations.create_invite(svc, None, max_uses=1)
    resp = await client.get(f"/invite/{invite.code}", allow_redirects=False)
    assert resp.headers["Location"] == f"/signup?invite={invite.code}"
    page = await browser.get(f"/signup?invite={invite.code}")
    assert "You have been invited" in page
    await browser.post("/signup", {**FORM, "invite": invite.code})
    await members.get_member(client.app[DB], "dana")
    client.session.cookie_jar.clear()
    again = Browser(client)
    await again.get(f"/signup?invite={invite.code}")
    resp = await again.post(
        "/signup", {**FORM, "username": "eve", "invite": invite.code}, status=422
    )
    assert "used up" in resp.body_text


async def test_approval_waits_for_an_admin(start: Any) -> None:
    client = await _app(start, "approval")
    svc = client.app[SERVICES]
    browser = Browser(client)
    await browser.get("/signup")
    resp = await browser.post("/signup", {**FORM, "reason": "I run a bakery"}, status=200)
    assert "with the admins" in resp.body_text and "warmline_session" not in resp.cookies
    try:
        await members.get_member(client.app[DB], "dana")
        raise AssertionError("a waiting sign-up must not be a member")
    except NotFound:
        pass
    [waiting] = await registrations.waiting(svc)
    assert (waiting.username, waiting.reason) == ("dana", "I run a bakery")
    resp = await browser.post("/signin", {"username": "dana", "password": PASSWORD}, status=401)
    await registrations.approve(svc, waiting.id)
    assert await registrations.waiting(svc) == []
    await browser.sign_in("dana")


async def test_an_invite_skips_the_wait(start: Any) -> None:
    client = await _app(start, "approval")
    invite = await registrations.create_invite(client.app[SERVICES], None)
    browser = Browser(client)
    await browser.get(f"/signup?invite={invite.code}")
    resp = await browser.post("/signup", {**FORM, "invite": invite.code})
    assert resp.headers["Location"].startswith("/profile/edit")


async def test_the_configured_mode_applies_until_an_admin_changes_it(start: Any) -> None:
    client = await start()
    config = with_overrides(
        client.app[SERVICES].config, instance=InstanceSettings(registrations="open")
    )
    assert config.instance.registrations == "open"
    assert InstanceSettings(open_registrations=True).registrations == "open"
    body = await (await client.get("/api/v2/instance")).json()
    assert body["registrations"]["approval_required"] is True  # the default: approval
    await client.app[SERVICES].site.change(client.app[SERVICES].now(), registrations="closed")
    body = await (await client.get("/api/v2/instance")).json()
    assert body["registrations"]["enabled"] is False
