# ruff: noqa: F811  (fixtures imported from attackkit)
"""Attack suite: the web and API surface (account enumeration, CSRF, session
fixation, password storage, OAuth redirect and scope misuse, re-registration of
a deleted handle).

Already covered elsewhere (not repeated): the OAuth page's answers for unknown
users (tests/app/test_sign_in.py::test_an_unknown_username_is_answered_like_a_wrong_password),
sign-in throttling (test_sign_in.py, test_web_sessions.py::test_sign_in_is_throttled),
CSRF on /posts (test_web_sessions.py::
test_forms_without_the_csrf_token_or_from_elsewhere_are_refused),
unregistered redirect_uri on the authorize page
(test_oauth.py::test_bad_client_or_redirect_is_a_page_never_a_redirect), a read
token posting (test_oauth.py::test_code_flow_with_pkce_and_a_single_use_code).
The versions here add the every-table "nothing changed" assertion.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient
from webclient import PASSWORD, Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import member_admin, tokens
from server.store.tables import users
from tests.app.test_oauth import CB, _app, _code, _consent, _query, _token
from tests.security.attackkit import (  # noqa: F401 (fixtures)
    nothing_changed,
    peer,
    refused_4xx,
    warmline,
)

# Sessions note when they were last used: reading a page is not a change.
SEEN = ("web_sessions",)


# --- account enumeration ---------------------------------------------------------------


async def test_web_sign_in_answers_alike_for_unknown_user_and_wrong_password(
    warmline: TestClient,
) -> None:
    await member_with_password(warmline, "bob")
    answers = set()
    for typed in ("bob", "nobody", "alice"):  # alice has no password
        browser = Browser(warmline)
        warmline.session.cookie_jar.clear()
        await browser.get("/signin")
        async with nothing_changed(warmline):
            resp = await browser.post(
                "/signin", {"username": typed, "password": "wrong guess"}, status=401
            )
        body = resp.body_text.replace(f'value="{typed}"', 'value="TYPED"')
        body = body.replace(browser.csrf, "CSRF")
        import re

        body = re.sub(r'name="csrf_token" value="[^"]*"', "CSRF", body)
        answers.add((resp.status, resp.headers["Content-Type"], tuple(sorted(resp.cookies)), body))
    assert len(answers) == 1, "the answer tells unknown users from wrong passwords"


# --- CSRF ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/posts", {"status": "forged post"}),
        ("/profile/edit", {"display_name": "Forged"}),
        (
            "/settings/password",
            {
                "current_password": PASSWORD,
                "new_password": "x" * 12,
                "new_password_again": "x" * 12,
            },
        ),
        ("/settings/sessions/end-others", {}),
        ("/settings", {"locale": "de"}),
        ("/signout", {}),
    ],
)
@pytest.mark.parametrize("how", ["no token", "wrong token", "cross-site origin"])
async def test_a_form_post_without_a_valid_csrf_token_changes_nothing(
    warmline: TestClient, path: str, form: dict[str, str], how: str
) -> None:
    await member_with_password(warmline, "bob")
    browser = Browser(warmline)
    await browser.sign_in("bob")
    headers = {"Origin": "https://evil.example"} if how == "cross-site origin" else {}
    if how == "wrong token":
        browser.csrf = "A" * len(browser.csrf)
    async with nothing_changed(warmline, ignore=SEEN):
        await browser.post(path, form, status=403, csrf=how != "no token", headers=headers)
    assert "Bob" in await browser.get("/")  # still signed in


async def test_a_sign_in_post_without_a_csrf_token_is_refused(warmline: TestClient) -> None:
    """Login CSRF: another site cannot sign the visitor in as the attacker."""
    await member_with_password(warmline, "mallory")
    browser = Browser(warmline)
    async with nothing_changed(warmline):
        resp = await browser.post(
            "/signin", {"username": "mallory", "password": PASSWORD}, status=403, csrf=False
        )
    assert "warmline_session" not in resp.cookies


# --- session fixation -------------------------------------------------------------------


def _session_cookie(client: TestClient) -> str | None:
    cookies = client.session.cookie_jar.filter_cookies(client.make_url("/"))
    return cookies["warmline_session"].value if "warmline_session" in cookies else None


async def test_a_session_id_planted_before_sign_in_is_not_adopted(warmline: TestClient) -> None:
    await member_with_password(warmline, "bob")
    planted = "attacker-chosen-session-id-" + "x" * 20
    warmline.session.cookie_jar.update_cookies({"warmline_session": planted})
    browser = Browser(warmline)
    await browser.get("/signin")
    resp = await browser.post("/signin", {"username": "bob", "password": PASSWORD})
    issued = resp.cookies["warmline_session"].value
    assert issued != planted and len(issued) >= 40
    # the planted id gives nothing
    other = TestClient(warmline.server)
    await other.start_server()
    try:
        other.session.cookie_jar.update_cookies({"warmline_session": planted})
        page = await other.get("/settings", allow_redirects=False)
        assert page.status in (302, 303, 401)
    finally:
        await other.session.close()


async def test_signing_in_again_issues_a_new_session(warmline: TestClient) -> None:
    await member_with_password(warmline, "bob")
    await member_with_password(warmline, "carol")
    browser = Browser(warmline)
    await browser.sign_in("carol")
    before = _session_cookie(warmline)
    await browser.post("/signout", {})
    await browser.get("/signin")
    await browser.post("/signin", {"username": "bob", "password": PASSWORD})
    after = _session_cookie(warmline)
    assert before and after and before != after


# --- password storage ----------------------------------------------------------------------


async def test_passwords_are_stored_as_argon2id_hashes_only(warmline: TestClient) -> None:
    secret = "Plaintext-Canary-9431"
    await member_with_password(warmline, "bob")
    browser = Browser(warmline)
    await browser.sign_in("bob")
    await browser.get("/settings/password")
    await browser.post(
        "/settings/password",
        {"current_password": PASSWORD, "new_password": secret, "new_password_again": secret},
        status=303,
    )  # fmt: skip
    async with warmline.app[DB].read() as conn:
        from sqlalchemy import select

        hashes = (await conn.execute(select(users.c.password_hash))).scalars().all()
    assert any(h for h in hashes)
    for stored in filter(None, hashes):
        assert stored.startswith("$argon2id$"), stored[:16]
        assert secret not in stored and PASSWORD not in stored
    # and in no other column of any table
    from server.store.tables import metadata

    async with warmline.app[DB].read() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                assert secret not in repr(tuple(row)), table.name
                assert PASSWORD not in repr(tuple(row)), table.name
    # the new password works, the old one does not
    fresh = Browser(warmline)
    warmline.session.cookie_jar.clear()
    await fresh.get("/signin")
    await fresh.post("/signin", {"username": "bob", "password": PASSWORD}, status=401)
    await fresh.post("/signin", {"username": "bob", "password": secret})


# --- OAuth redirect_uri misuse -----------------------------------------------------------


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example/cb",
        CB + ".evil.example",
        CB + "/../../evil",
        CB + "?next=https://evil.example",
        "https://app.example@evil.example/cb",
        "HTTPS://APP.EXAMPLE/CB",
        "javascript:alert(1)",
    ],
)
async def test_the_authorize_page_never_redirects_to_an_unregistered_uri(
    warmline: TestClient, evil: str
) -> None:
    await member_with_password(warmline, "bob")
    app = await _app(warmline)
    async with nothing_changed(warmline):
        resp = await warmline.get(
            "/oauth/authorize", params=_query(app, redirect_uri=evil), allow_redirects=False
        )
        await refused_4xx(resp, 400)
        assert "Location" not in resp.headers


async def test_a_consent_form_posted_with_another_redirect_uri_issues_no_code(
    warmline: TestClient,
) -> None:
    await member_with_password(warmline, "bob")
    app = await _app(warmline)
    async with nothing_changed(warmline):
        import re

        page = await warmline.get("/oauth/authorize", params=_query(app))
        html = await page.text()
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
        fields.update(
            {"username": "bob", "password": PASSWORD, "decision": "approve",
             "redirect_uri": "https://evil.example/cb"}
        )  # fmt: skip
        resp = await warmline.post("/oauth/authorize", data=fields, allow_redirects=False)
        assert resp.status < 500
        assert "evil.example" not in resp.headers.get("Location", "")


async def test_a_code_cannot_be_exchanged_for_another_redirect_uri(warmline: TestClient) -> None:
    await member_with_password(warmline, "bob")
    app = await _app(warmline)
    code = await _code(warmline, app)
    async with nothing_changed(warmline, ignore=("oauth_codes",)):  # the code is spent
        resp = await _token(
            warmline, app, grant_type="authorization_code", code=code,
            redirect_uri="https://evil.example/cb",
        )  # fmt: skip
        await refused_4xx(resp, 400, 401)
        assert "access_token" not in await resp.json()


async def test_another_apps_code_is_refused(warmline: TestClient) -> None:
    await member_with_password(warmline, "bob")
    honest, thief = await _app(warmline), await _app(warmline, client_name="Thief")
    code = await _code(warmline, honest)
    async with nothing_changed(warmline, ignore=("oauth_codes",)):
        resp = await _token(
            warmline, thief, grant_type="authorization_code", code=code, redirect_uri=CB
        )
        await refused_4xx(resp, 400, 401)


# --- OAuth scopes --------------------------------------------------------------------------


async def test_an_app_cannot_be_granted_more_than_it_registered(warmline: TestClient) -> None:
    await member_with_password(warmline, "bob")
    app = await _app(warmline, scopes="read")
    query = _query(app, scope="read write admin:write")
    page = await warmline.get("/oauth/authorize", params=query, allow_redirects=False)
    assert page.status < 500, await page.text()
    if page.status in (301, 302, 303):  # sent back to the app with an error
        back = parse_qs(urlsplit(page.headers["Location"]).query)
        assert "code" not in back and back.get("error") == ["invalid_scope"], back
        return
    resp = await _consent(warmline, query)
    assert resp.status < 500
    if resp.status == 302 and "code=" in resp.headers["Location"]:
        code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
        token = await _token(warmline, app, grant_type="authorization_code", code=code)
        granted = (await token.json()).get("scope", "")
        assert "write" not in granted.split(), granted


WRITES = [
    ("POST", "/api/v1/statuses", {"status": "sneaky"}),
    ("PATCH", "/api/v1/accounts/update_credentials", {"display_name": "Sneaky"}),
    ("POST", "/api/v1/accounts/{other}/follow", {}),
    ("POST", "/api/v1/accounts/{other}/block", {}),
    ("POST", "/api/v1/statuses/{status}/favourite", {}),
    ("DELETE", "/api/v1/statuses/{status}", None),
    ("POST", "/api/v1/reports", {"account_id": "{other}", "comment": "x"}),
    ("GET", "/api/v1/admin/accounts", None),
    ("POST", "/api/v1/admin/domain_blocks", {"domain": "example.org"}),
]


# Every pair of a scope and a call it does not grant (``follow`` grants follows and blocks).
BEYOND = [
    (scopes, *write)
    for scopes in ("read", "read:statuses", "profile", "follow")
    for write in WRITES
    if not (scopes == "follow" and ("/follow" in write[1] or "/block" in write[1]))
]


@pytest.mark.parametrize(
    ("scopes", "method", "path", "form"), BEYOND, ids=[f"{b[0]}-{b[2]}" for b in BEYOND]
)
async def test_a_token_cannot_act_beyond_its_scopes(
    warmline: TestClient, scopes: str, method: str, path: str, form: dict[str, str] | None
) -> None:
    db = warmline.app[DB]
    await member_with_password(warmline, "bob")
    from server.services import members, posts
    from server.services.posts import Draft

    carol = await members.create_member(db, "carol")
    from server.appkeys import SERVICES

    bob = await members.get_member(db, "bob")
    status = await posts.create_status(warmline.app[SERVICES], bob, Draft("mine"))
    token = await tokens.create_token(db, "bob", scopes=scopes)
    url = path.format(other=carol.id, status=status.id)
    data = {k: v.format(other=carol.id) for k, v in (form or {}).items()} or None
    async with nothing_changed(warmline, ignore=("api_tokens",)):  # its last use
        resp = await warmline.request(
            method, url, data=data, headers={"Authorization": f"Bearer {token}"}
        )
        # the admin API answers 404 to whoever may not know it is there
        await refused_4xx(resp, 403, *((404,) if "/admin/" in path else ()))


async def test_no_token_no_write(warmline: TestClient) -> None:
    async with nothing_changed(warmline):
        resp = await warmline.post("/api/v1/statuses", data={"status": "anonymous"})
        await refused_4xx(resp, 401)


# --- re-registration of a deleted handle ---------------------------------------------


@pytest.mark.parametrize("typed", ["alice", "Alice", "ALICE"])
async def test_a_deleted_members_handle_cannot_be_registered_again(
    warmline: TestClient, typed: str
) -> None:
    """Other servers keep alice's actor id, key and followers: whoever took the
    handle again would inherit them. The tombstone keeps it taken, in any case."""
    svc = warmline.app[SERVICES]
    await svc.site.change(svc.now(), registrations="open")
    await member_admin.delete_member(svc, "alice")
    browser = Browser(warmline)
    await browser.get("/signup")
    form = {
        "display_name": "Not Alice", "username": typed, "password": PASSWORD,
        "password_again": PASSWORD, "rules": "1",
    }  # fmt: skip
    async with nothing_changed(warmline):
        resp = await browser.post("/signup", form, status=422)
    assert "is already taken" in resp.body_text
    actor = await warmline.get("/users/alice", headers={"Accept": "application/activity+json"})
    assert actor.status == 410
