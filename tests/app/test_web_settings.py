"""A member's settings on the web: privacy, sessions, authorised apps, password."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient
from webclient import PASSWORD, Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import members, oauth, passwords, tokens, websessions
from server.store import accounts as accounts_q

Browsers = Callable[[], Awaitable[Browser]]
HTMX = {"HX-Request": "true"}
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


async def _bob(client: TestClient) -> Browser:
    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.sign_in("bob")
    return browser


async def test_settings_pages_are_for_members(client: TestClient) -> None:
    for path in ("/settings", "/settings/sessions", "/settings/apps", "/settings/password"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == f"/signin?next={path}"
    browser = await _bob(client)
    page = await browser.get("/settings")
    for tab in ("Privacy", "Sessions", "Authorised apps", "Password"):
        assert tab in page
    assert 'href="/settings" aria-current="page"' in page


async def test_privacy_settings_change_the_profile(client: TestClient) -> None:
    browser = await _bob(client)
    page = await browser.get("/settings")
    # The defaults: connections visible to connections, introductions and discovery on.
    assert 'value="connections" checked' in page
    assert 'name="accepts_introductions" type="checkbox" value="1" checked' in page
    assert 'name="locked" type="checkbox" value="1" aria' in page  # not checked
    resp = await browser.post(
        "/settings", {"connections_visibility": "private", "locked": "1", "discoverable": "1"}
    )
    assert resp.headers["Location"] == "/settings"
    bob = await members.get_member(client.app[DB], "bob")
    assert bob.connections_visibility == "private" and bob.locked and bob.discoverable
    assert not bob.accepts_introductions
    page = await browser.get("/settings")
    assert "Your privacy settings are saved." in page and 'value="private" checked' in page
    # With htmx: the form comes back in place, saying so.
    resp = await browser.post(
        "/settings",
        {"connections_visibility": "public", "accepts_introductions": "1"},
        status=200,
        headers=HTMX,
    )
    assert "saved" in resp.body_text and "<html" not in resp.body_text
    assert 'value="public" checked' in resp.body_text
    bob = await members.get_member(client.app[DB], "bob")
    assert bob.connections_visibility == "public" and not bob.locked and bob.accepts_introductions


async def test_a_forged_privacy_value_is_refused_in_words(client: TestClient) -> None:
    browser = await _bob(client)
    await browser.get("/settings")
    resp = await browser.post(
        "/settings", {"connections_visibility": "everyone!", "locked": "1"}, status=422
    )
    assert "must be one of public, connections, private" in resp.body_text
    assert 'id="error-connections_visibility"' in resp.body_text
    assert 'name="locked" type="checkbox" value="1" checked' in resp.body_text  # kept
    bob = await members.get_member(client.app[DB], "bob")
    assert not bob.locked


async def test_sessions_are_listed_in_words_and_can_be_ended(
    client: TestClient, browsers: Browsers
) -> None:
    here = await _bob(client)
    phone = await browsers()
    phone.client.session.headers["User-Agent"] = IPHONE
    await phone.sign_in("bob")
    laptop = await browsers()
    laptop.client.session.headers["User-Agent"] = FIREFOX
    await laptop.sign_in("bob")
    page = await here.get("/settings/sessions")
    assert "Safari on iPhone" in page and "Firefox on Windows" in page
    assert page.count("This browser") == 1 and "From 127.0.0.1" in page
    svc = client.app[SERVICES]
    bob = await members.get_member(client.app[DB], "bob")
    by_agent = {s.user_agent: s.id for s in await websessions.listed(svc, bob)}
    # Ending one: without JavaScript back to the list; with htmx the row goes.
    resp = await here.post(f"/settings/sessions/{by_agent[IPHONE]}/end")
    assert resp.headers["Location"] == "/settings/sessions"
    assert "Sign in" in await phone.get("/")  # that browser is signed out
    assert "Safari on iPhone" not in await here.get("/settings/sessions")
    resp = await here.post(f"/settings/sessions/{by_agent[FIREFOX]}/end", status=200, headers=HTMX)
    assert resp.body_text == ""
    assert (await laptop.client.get("/settings", allow_redirects=False)).status == 303
    # Already ended, or no session at all: a 404 that says so.
    resp = await here.post(f"/settings/sessions/{by_agent[FIREFOX]}/end", status=404)
    assert "already ended" in resp.body_text
    await here.post("/settings/sessions/abc/end", status=404)


async def test_another_members_session_cannot_be_ended(
    client: TestClient, browsers: Browsers
) -> None:
    bob = await _bob(client)
    await member_with_password(client, "carol")
    carol = await browsers()
    await carol.sign_in("carol")
    svc = client.app[SERVICES]
    carol_row = await members.get_member(client.app[DB], "carol")
    [session] = await websessions.listed(svc, carol_row)
    resp = await bob.post(f"/settings/sessions/{session.id}/end", status=404)
    assert "already ended" in resp.body_text
    assert "Sign out" in await carol.get("/")


async def test_ending_every_other_session(client: TestClient, browsers: Browsers) -> None:
    here = await _bob(client)
    others = [await browsers() for _ in range(2)]
    for other in others:
        await other.sign_in("bob")
    page = await here.get("/settings/sessions")
    assert "Sign out everywhere else" in page
    resp = await here.post("/settings/sessions/end-others", status=200, headers=HTMX)
    assert "2 other sessions have ended." in resp.body_text
    assert "Sign out everywhere else" not in resp.body_text
    for other in others:
        assert "Sign in" in await other.get("/")
    resp = await here.post("/settings/sessions/end-others")
    assert "No other session was open." in await here.get("/settings/sessions")


async def test_ending_this_browsers_session_signs_out(client: TestClient) -> None:
    browser = await _bob(client)
    svc = client.app[SERVICES]
    bob = await members.get_member(client.app[DB], "bob")
    [session] = await websessions.listed(svc, bob)
    resp = await browser.post(f"/settings/sessions/{session.id}/end")
    assert resp.headers["Location"] == "/signin"
    assert await websessions.listed(svc, bob) == []
    assert "Sign in" in await browser.get("/")


async def _app_token(client: TestClient, username: str, name: str) -> tuple[int, str]:
    db = client.app[DB]
    app, _ = await oauth.register_app(
        db, name=name, redirect_uris=oauth.OOB, scopes="read write follow",
        website="https://app.example",
    )  # fmt: skip
    member = await members.get_member(db, username)
    token = await tokens.issue_token(
        db, account_id=member.id, scopes=("read", "write"), label=name, application_id=app.id
    )
    return app.id, token


async def _api_status(client: TestClient, token: str) -> int:
    resp = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    return resp.status


async def test_authorised_apps_are_listed_and_revoked(client: TestClient) -> None:
    browser = await _bob(client)
    assert "No app has access" in await browser.get("/settings/apps")
    app_id, token = await _app_token(client, "bob", "Phanpy")
    other_id, other_token = await _app_token(client, "bob", "Tusky")
    cli_token = await tokens.create_token(client.app[DB], "bob", scopes="read")
    assert await _api_status(client, token) == 200
    page = await browser.get("/settings/apps")
    assert "Phanpy" in page and "Tusky" in page and "https://app.example" in page
    assert "Read everything" in page and "Post and change things" in page
    assert "Tokens made on the command line" in page and "Not used yet" in page
    resp = await browser.post(f"/settings/apps/{app_id}/revoke")
    assert resp.headers["Location"] == "/settings/apps"
    assert await _api_status(client, token) == 401
    assert await _api_status(client, other_token) == 200  # only that app
    page = await browser.get("/settings/apps")
    assert "Phanpy" not in page and "no longer has access" in page
    resp = await browser.post(f"/settings/apps/{other_id}/revoke", status=200, headers=HTMX)
    assert resp.body_text == "" and await _api_status(client, other_token) == 401
    await browser.post("/settings/apps/cli/revoke")
    assert await _api_status(client, cli_token) == 401
    resp = await browser.post(f"/settings/apps/{app_id}/revoke", status=404)
    assert "no access to your account" in resp.body_text
    await browser.post("/settings/apps/123456789012345678901234/revoke", status=404)


async def test_another_members_app_cannot_be_revoked(client: TestClient) -> None:
    browser = await _bob(client)
    await member_with_password(client, "carol")
    app_id, token = await _app_token(client, "carol", "Ivory")
    assert "Ivory" not in await browser.get("/settings/apps")
    await browser.post(f"/settings/apps/{app_id}/revoke", status=404)
    assert await _api_status(client, token) == 200


async def test_changing_the_password_ends_the_other_sessions(
    client: TestClient, browsers: Browsers
) -> None:
    here = await _bob(client)
    other = await browsers()
    await other.sign_in("bob")
    _, token = await _app_token(client, "bob", "Phanpy")
    await here.get("/settings/password")
    new = "a brand new passphrase"
    resp = await here.post(
        "/settings/password",
        {"current_password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert resp.headers["Location"] == "/settings/password"
    page = await here.get("/settings/password")
    assert "Your password is changed. Your other sessions have ended." in page
    assert "Sign in" in await other.get("/")
    assert await _api_status(client, token) == 200  # apps keep their access unless asked
    db = client.app[DB]
    bob = await members.get_member(db, "bob")
    async with db.read() as conn:
        stored = await accounts_q.get_password_hash(conn, bob.id)
    assert await passwords.verify_password(stored, new)
    fresh = await browsers()
    await fresh.get("/signin")
    await fresh.post("/signin", {"username": "bob", "password": PASSWORD}, status=401)
    await fresh.sign_in("bob", new)


async def test_changing_the_password_can_revoke_the_apps(client: TestClient) -> None:
    here = await _bob(client)
    _, token = await _app_token(client, "bob", "Phanpy")
    new = "a brand new passphrase"
    await here.get("/settings/password")
    await here.post(
        "/settings/password",
        {
            "current_password": PASSWORD, "new_password": new, "new_password_again": new,
            "revoke_tokens": "1",
        },
    )  # fmt: skip
    assert "Apps must sign in again." in await here.get("/settings/password")
    assert await _api_status(client, token) == 401


async def test_a_refused_password_change_says_why(client: TestClient) -> None:
    here = await _bob(client)
    await here.get("/settings/password")
    form = {"current_password": PASSWORD, "new_password": "short", "new_password_again": "short"}
    resp = await here.post("/settings/password", {**form, "revoke_tokens": "1"}, status=422)
    assert "at least 8 characters" in resp.body_text and 'id="error-new_password"' in resp.body_text
    assert 'name="revoke_tokens" type="checkbox" value="1" checked' in resp.body_text
    assert PASSWORD not in resp.body_text  # passwords are never written back into the page
    resp = await here.post(
        "/settings/password", {**form, "new_password": "long enough one"}, status=422
    )
    assert "not the same" in resp.body_text and 'id="error-new_password_again"' in resp.body_text
    good = {"new_password": "long enough one", "new_password_again": "long enough one"}
    resp = await here.post(
        "/settings/password", {**good, "current_password": "wrong guess"}, status=422
    )
    assert "not your current password" in resp.body_text
    assert 'id="error-current_password"' in resp.body_text
    assert "Sign out" in await here.get("/")  # still signed in


async def test_wrong_current_passwords_count_in_the_sign_in_throttle(client: TestClient) -> None:
    here = await _bob(client)
    await here.get("/settings/password")
    good = {"new_password": "long enough one", "new_password_again": "long enough one"}
    for _ in range(5):
        await here.post("/settings/password", {**good, "current_password": "guess"}, status=422)
    resp = await here.post("/settings/password", {**good, "current_password": PASSWORD}, status=429)
    assert "Too many failed sign-in attempts" in resp.body_text
    assert int(resp.headers["Retry-After"]) > 0
    # The sign-in page is locked for bob too: the same throttle.
    other = Browser(client.__class__(client.server))
    await other.client.start_server()
    try:
        await other.get("/signin")
        await other.post("/signin", {"username": "bob", "password": PASSWORD}, status=429)
    finally:
        await other.client.session.close()


async def test_revoking_an_app_spends_its_unused_codes(client: TestClient) -> None:
    browser = await _bob(client)
    db = client.app[DB]
    app_id, _ = await _app_token(client, "bob", "Phanpy")
    app = await oauth.find_application(db, app_id)
    assert app is not None
    bob = await members.get_member(db, "bob")
    request = oauth.check_request(
        app, oauth.OOB, response_type="code", scope="read", state=None,
        code_challenge=None, code_challenge_method=None,
    )  # fmt: skip
    code = await oauth.issue_code(db, request, bob.id)
    await browser.post(f"/settings/apps/{app_id}/revoke")
    with pytest.raises(oauth.OAuthError) as refused:
        await oauth.exchange_code(db, app, code=code, redirect_uri=oauth.OOB, code_verifier=None)
    assert refused.value.error == "invalid_grant"
    assert "Phanpy" not in await browser.get("/settings/apps")
