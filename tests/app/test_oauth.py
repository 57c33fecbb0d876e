"""OAuth: apps, the authorize page, codes with PKCE, tokens, revocation, scopes."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from server.appkeys import DB, SERVICES
from server.services import members
from server.store.tables import oauth_codes
from server.workers.cleanup import CodePurge

CB = "https://app.example/cb"
OOB = "urn:ietf:wg:oauth:2.0:oob"
PASSWORD = "correct horse battery"


async def _app(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"client_name": "Test App", "redirect_uris": CB, "scopes": "read write", **fields}
    resp = await client.post("/api/v1/apps", json=body)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _alice(client: TestClient) -> None:
    await members.create_member(client.app[DB], "bob", password=PASSWORD)


def _pkce() -> tuple[str, str]:
    verifier = "v" * 50
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def _consent(client: TestClient, query: dict[str, str], **form: str) -> Any:
    page = await client.get("/oauth/authorize", params=query)
    assert page.status == 200, await page.text()
    html = await page.text()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    fields.update({"username": "bob", "password": PASSWORD, "decision": "approve", **form})
    return await client.post("/oauth/authorize", data=fields, allow_redirects=False)


def _query(app: dict[str, Any], **extra: str) -> dict[str, str]:
    return {"client_id": app["client_id"], "redirect_uri": CB, "response_type": "code", **extra}


async def _code(client: TestClient, app: dict[str, Any], **extra: str) -> str:
    resp = await _consent(client, _query(app, **extra))
    assert resp.status == 302, await resp.text()
    location = urlsplit(resp.headers["Location"])
    assert location.geturl().startswith(CB)
    return parse_qs(location.query)["code"][0]


async def _token(client: TestClient, app: dict[str, Any], **form: str) -> Any:
    body = {"client_id": app["client_id"], "client_secret": app["client_secret"], **form}
    return await client.post("/oauth/token", data=body)


async def test_registering_an_app(client: TestClient) -> None:
    app = await _app(client, redirect_uris=f"{CB}\n{OOB}", website="https://app.example")
    assert app["name"] == "Test App" and app["scopes"] == ["read", "write"]
    assert app["redirect_uris"] == [CB, OOB] and app["client_id"] and app["client_secret"]
    default = await _app(client, scopes="")
    assert default["scopes"] == ["read"]
    for bad in (
        {"client_name": ""},
        {"redirect_uris": ""},
        {"redirect_uris": "/relative"},
        {"scopes": "read everything"},
        {"website": "javascript:alert(1)"},
    ):
        resp = await client.post(
            "/api/v1/apps", data={"client_name": "x", "redirect_uris": CB, **bad}
        )
        assert resp.status == 422 and "error" in await resp.json()


async def test_code_flow_with_pkce_and_a_single_use_code(client: TestClient) -> None:
    await _alice(client)
    app = await _app(client)
    verifier, challenge = _pkce()
    code = await _code(
        client,
        app,
        scope="read",
        state="xyz",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    wrong = await _token(
        client,
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CB,
        code_verifier="w" * 50,
    )
    assert wrong.status == 400 and (await wrong.json())["error"] == "invalid_grant"
    # The failed try spent the code: codes are single use.
    again = await _token(
        client,
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CB,
        code_verifier=verifier,
    )
    assert (await again.json())["error"] == "invalid_grant"
    code = await _code(
        client, app, scope="read", code_challenge=challenge, code_challenge_method="S256"
    )
    resp = await _token(
        client,
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CB,
        code_verifier=verifier,
    )
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "read"
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert (await me.json())["username"] == "bob"
    # Granted exactly what was asked: read, not write.
    post = await client.post(
        "/api/v1/statuses",
        data={"status": "hi"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert post.status == 403 and "scope" in (await post.json())["error"]


async def test_the_state_comes_back_and_the_page_is_protected(client: TestClient) -> None:
    await _alice(client)
    app = await _app(client)
    resp = await _consent(client, _query(app, state="s1"))
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["state"] == ["s1"]
    page = await client.get("/oauth/authorize", params=_query(app))
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "text/html" in page.headers["Content-Type"]
    forged = await client.post(
        "/oauth/authorize",
        data={**_query(app), "username": "bob", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert forged.status == 403 and "text/html" in forged.headers["Content-Type"]


async def test_wrong_password_and_deny(client: TestClient) -> None:
    await _alice(client)
    app = await _app(client)
    wrong = await _consent(client, _query(app), password="nope nope nope")
    assert wrong.status == 401 and "Invalid username or password" in await wrong.text()
    denied = await _consent(client, _query(app, state="q"), decision="deny")
    query = parse_qs(urlsplit(denied.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["q"]


async def test_bad_client_or_redirect_is_a_page_never_a_redirect(client: TestClient) -> None:
    app = await _app(client)
    for query in (
        {"client_id": "nope", "redirect_uri": CB, "response_type": "code"},
        _query(app, redirect_uri="https://evil.example/"),
    ):
        resp = await client.get("/oauth/authorize", params=query, allow_redirects=False)
        assert resp.status == 400 and "text/html" in resp.headers["Content-Type"]


async def test_request_errors_go_back_to_the_client(client: TestClient) -> None:
    app = await _app(client)
    cases = [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "read write follow"}, "invalid_scope"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ]
    for extra, error in cases:
        resp = await client.get(
            "/oauth/authorize", params=_query(app, state="st", **extra), allow_redirects=False
        )
        assert resp.status == 302, await resp.text()
        query = parse_qs(urlsplit(resp.headers["Location"]).query)
        assert query["error"] == [error] and query["state"] == ["st"]


async def test_out_of_band_shows_the_code(client: TestClient) -> None:
    await _alice(client)
    app = await _app(client, redirect_uris=OOB)
    query = {"client_id": app["client_id"], "redirect_uri": OOB, "response_type": "code"}
    resp = await _consent(client, query)
    assert resp.status == 200
    code = re.search(r'id="code" type="text" readonly value="([^"]+)"', await resp.text())
    assert code is not None
    token = await _token(
        client, app, grant_type="authorization_code", code=code.group(1), redirect_uri=OOB
    )
    assert token.status == 200


async def test_expired_codes_and_foreign_clients(client: TestClient) -> None:
    await _alice(client)
    app, other = await _app(client), await _app(client)
    code = await _code(client, app)
    stolen = await _token(
        client, other, grant_type="authorization_code", code=code, redirect_uri=CB
    )
    assert (await stolen.json())["error"] == "invalid_grant"
    code = await _code(client, app)
    async with client.app[DB].transaction() as conn:
        past = datetime.now(UTC) - timedelta(minutes=1)
        await conn.execute(update(oauth_codes).values(expires_at=past))
    late = await _token(client, app, grant_type="authorization_code", code=code, redirect_uri=CB)
    assert late.status == 400 and (await late.json())["error"] == "invalid_grant"


async def test_token_endpoint_errors(client: TestClient) -> None:
    app = await _app(client)
    bad_secret = await client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app["client_id"],
            "client_secret": "x",
        },
    )
    assert bad_secret.status == 401 and (await bad_secret.json())["error"] == "invalid_client"
    unsupported = await _token(client, app, grant_type="password")
    assert (await unsupported.json())["error"] == "unsupported_grant_type"
    missing = await _token(client, app)
    assert missing.status == 400 and (await missing.json())["error"] == "invalid_request"
    no_code = await _token(client, app, grant_type="authorization_code")
    assert (await no_code.json())["error"] == "invalid_request"
    scope = await _token(client, app, grant_type="client_credentials", scope="follow")
    assert (await scope.json())["error"] == "invalid_scope"


async def test_app_only_tokens(client: TestClient) -> None:
    app = await _app(client)
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    resp = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert resp.status == 200, await resp.text()
    bearer = {"Authorization": f"Bearer {(await resp.json())['access_token']}"}
    verified = await client.get("/api/v1/apps/verify_credentials", headers=bearer)
    assert (await verified.json())["name"] == "Test App"
    for path in ("/api/v1/accounts/verify_credentials", "/api/v1/timelines/home"):
        refused = await client.get(path, headers=bearer)
        assert refused.status == 403
        assert (await refused.json())["error"] == "This method requires an authenticated user"
    public = await client.get("/api/v1/timelines/public", headers=bearer)
    assert public.status == 200


async def test_revoking(client: TestClient) -> None:
    await _alice(client)
    app = await _app(client)
    token = (
        await (
            await _token(
                client, app, grant_type="authorization_code", code=await _code(client, app)
            )
        ).json()
    )["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/apps/verify_credentials", headers=bearer)).status == 200
    other = await _app(client)
    body = {
        "client_id": other["client_id"],
        "client_secret": other["client_secret"],
        "token": token,
    }
    assert (await client.post("/oauth/revoke", data=body)).status == 200
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=bearer)).status == 200
    body = {"client_id": app["client_id"], "client_secret": app["client_secret"], "token": token}
    assert (await client.post("/oauth/revoke", data=body)).status == 200
    gone = await client.get("/api/v1/accounts/verify_credentials", headers=bearer)
    assert gone.status == 401 and "error" in await gone.json()
    no_token = await client.post("/oauth/revoke", data={**body, "token": ""})
    assert (await no_token.json())["error"] == "invalid_request"


async def test_metadata(client: TestClient) -> None:
    body = await (await client.get("/.well-known/oauth-authorization-server")).json()
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["authorization_endpoint"] == "http://a.test/oauth/authorize"
    assert body["app_registration_endpoint"] == "http://a.test/api/v1/apps"
    assert {"read", "write", "follow", "push", "profile", "read:statuses"} <= set(
        body["scopes_supported"]
    )
    assert "authorization_code" in body["grant_types_supported"]


async def test_profile_and_follow_scopes(client: TestClient) -> None:
    await _alice(client)
    app = await _app(client, scopes="profile follow")
    for scope, path, status in (
        ("profile", "/api/v1/accounts/verify_credentials", 200),
        ("profile", "/api/v1/timelines/home", 403),
        ("follow", "/api/v1/follow_requests", 200),
    ):
        code = await _code(client, app, scope=scope)
        token = (
            await (await _token(client, app, grant_type="authorization_code", code=code)).json()
        )["access_token"]
        resp = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert resp.status == status, (scope, path, await resp.text())


async def test_a_code_used_twice_is_refused_and_revokes_its_token(client: TestClient) -> None:
    await _alice(client)
    app = await _app(client)

    async def exchange(code: str) -> Any:
        return await _token(client, app, grant_type="authorization_code", code=code)

    async def me(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status

    code = await _code(client, app)
    first = await exchange(code)
    assert first.status == 200, await first.text()
    token = (await first.json())["access_token"]
    other = (await (await exchange(await _code(client, app))).json())["access_token"]
    assert await me(token) == 200
    # RFC 6749 4.1.2: refused, and the token the code bought is revoked.
    again = await exchange(code)
    assert again.status == 400 and (await again.json())["error"] == "invalid_grant"
    assert await me(token) == 401
    assert await me(other) == 200  # a token from another code is untouched
    assert (await exchange(code)).status == 400


async def test_codes_are_purged_a_day_after_they_expire_and_their_tokens_stay(
    client: TestClient,
) -> None:
    await _alice(client)
    app = await _app(client)
    spent = await _token(
        client, app, grant_type="authorization_code", code=await _code(client, app)
    )
    token = (await spent.json())["access_token"]
    await _code(client, app)  # never exchanged
    svc = client.app[SERVICES]
    purge = CodePurge(svc)
    assert await purge.run_once() == 0  # fresh: kept
    later = datetime.now(UTC) + timedelta(days=1, minutes=15)  # codes live minutes, kept a day
    svc.clock = lambda: later
    assert await purge.run_once() == 2
    async with client.app[DB].read() as conn:
        assert (await conn.execute(select(func.count()).select_from(oauth_codes))).scalar() == 0
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status == 200
