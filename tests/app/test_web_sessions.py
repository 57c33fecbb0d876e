"""Signing in and out on the web: sessions in the database, their cookie, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from webclient import PASSWORD, Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import members, websessions
from server.store import accounts as accounts_q
from server.web.session import unmasked_csrf


async def test_sign_in_starts_a_session_with_a_safe_cookie(client: TestClient) -> None:
    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.get("/signin")
    resp = await browser.post(
        "/signin", {"username": "bob", "password": PASSWORD, "next": "/about"}
    )
    assert resp.headers["Location"] == "/about"
    cookie = resp.cookies["warmline_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # --dev: plain http on loopback
    home = await browser.get("/")
    assert "Bob" in home and "Sign out" in home
    svc = client.app[SERVICES]
    bob = await members.get_member(client.app[DB], "bob")
    [session] = await websessions.listed(svc, bob)
    assert len(cookie.value) >= 40 and cookie.value not in repr(session)  # stored hashed


async def test_a_wrong_password_keeps_the_username_and_says_why(client: TestClient) -> None:
    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.get("/signin")
    resp = await browser.post("/signin", {"username": "bob", "password": "nope"}, status=401)
    assert "do not match" in resp.body_text
    assert 'value="bob"' in resp.body_text
    assert "warmline_session" not in resp.cookies


async def test_sign_in_is_throttled(start: Any) -> None:
    client = await start()
    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.get("/signin")
    for _ in range(5):
        await browser.post("/signin", {"username": "bob", "password": "nope"}, status=401)
    resp = await browser.post("/signin", {"username": "bob", "password": PASSWORD}, status=429)
    assert "Too many failed sign-in attempts" in resp.body_text
    assert int(resp.headers["Retry-After"]) > 0


async def test_next_never_leaves_the_site(client: TestClient) -> None:
    await member_with_password(client, "bob")
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        browser = Browser(client)
        client.session.cookie_jar.clear()
        await browser.get("/signin")
        resp = await browser.post(
            "/signin", {"username": "bob", "password": PASSWORD, "next": evil}
        )
        assert resp.headers["Location"] in ("/", "/x"), evil  # a path of ours, or home


async def test_forms_without_the_csrf_token_or_from_elsewhere_are_refused(
    client: TestClient,
) -> None:
    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.sign_in("bob")
    resp = await browser.post("/posts", {"status": "forged"}, status=403, csrf=False)
    assert "expired" in resp.body_text and "<html" in resp.body_text
    resp = await browser.post(
        "/posts", {"status": "forged"}, status=403, headers={"Origin": "https://evil.example"}
    )
    assert "another site" in resp.body_text
    # The token of another session does not work either.
    await member_with_password(client, "carol")
    other = Browser(client.__class__(client.server))
    await other.client.start_server()
    try:
        await other.sign_in("carol")
        other.csrf = browser.csrf
        await other.post("/posts", {"status": "forged"}, status=403)
    finally:
        await other.client.session.close()
    assert "forged" not in await browser.get("/")


async def test_signing_out_ends_the_session(client: TestClient) -> None:
    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.sign_in("bob")
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))["warmline_session"].value
    await browser.post("/signout")
    svc = client.app[SERVICES]
    assert await websessions.resume(svc, token, ip="") is None
    assert "Sign in" in await browser.get("/")


async def test_idle_and_suspended_sessions_end(client: TestClient) -> None:
    await member_with_password(client, "bob")
    svc = client.app[SERVICES]
    bob = await members.get_member(client.app[DB], "bob")
    token = await websessions.start(svc, bob, user_agent="test", ip="127.0.0.1")
    assert (await websessions.resume(svc, token, ip="127.0.0.1")) is not None
    later = svc.now() + websessions.IDLE + timedelta(minutes=1)
    svc.clock = lambda: later
    assert await websessions.resume(svc, token, ip="127.0.0.1") is None
    assert await websessions.listed(svc, bob) == []  # and it is gone
    svc.clock = svc.__class__.clock  # type: ignore[assignment]
    token = await websessions.start(svc, bob, user_agent="test", ip="127.0.0.1")
    async with svc.db.transaction() as conn:
        await accounts_q.update_account(conn, bob.id, {"suspended_at": svc.now()})
    assert await websessions.resume(svc, token, ip="127.0.0.1") is None


async def test_members_only_pages_send_visitors_to_sign_in(client: TestClient) -> None:
    browser = Browser(client)
    resp = await client.get("/compose", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/signin?next=/compose"
    resp = await client.get("/compose", allow_redirects=False, headers={"HX-Request": "true"})
    assert resp.status == 200 and resp.headers["HX-Redirect"] == "/signin?next=/compose"
    assert "Sign in" in await browser.get("/signin?next=/compose")


async def test_every_page_carries_the_token_masked_anew(client: TestClient) -> None:
    """No two pages hold the same token bytes, so a compressed page cannot be used
    to guess it (BREACH); each masked copy, and the bare token, still works."""
    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.sign_in("bob")
    first = re.findall(r'name="csrf_token" value="([^"]+)"', await browser.get("/"))
    second = re.findall(r'name="csrf_token" value="([^"]+)"', await browser.get("/"))
    assert first and second and set(first).isdisjoint(second)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["warmline_session"]
    session = await websessions.resume(client.app[SERVICES], cookie.value, ip="127.0.0.1")
    assert session is not None
    token = session.csrf_token
    assert token not in first + second
    assert unmasked_csrf(first[0]) == unmasked_csrf(second[0]) == token
    browser.csrf = first[0]
    await browser.post("/posts", {"status": "with an older page's token"})
    browser.csrf = token
    await browser.post("/posts", {"status": "with the bare token"})
    browser.csrf = first[0][:-4] + ("AAAA" if not first[0].endswith("AAAA") else "BBBB")
    await browser.post("/posts", {"status": "forged"}, status=403)
    for nonsense in ("", "!", "A", "AAAA", "%" * 86, "é" * 10):
        assert unmasked_csrf(nonsense) != token
