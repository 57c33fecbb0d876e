"""Refused requests get a 4xx whose body says why; never a bare 500."""

from __future__ import annotations

from aiohttp.test_utils import TestClient


async def test_unknown_route_json_and_html(client: TestClient) -> None:
    resp = await client.get("/no/such/thing", headers={"Accept": "application/json"})
    assert resp.status == 404
    assert (await resp.json())["error"] == "Nothing is here"
    assert resp.headers["X-Request-Id"]
    resp = await client.get("/no/such/thing", headers={"Accept": "text/html"})
    assert resp.status == 404 and resp.content_type == "text/html"
    assert "Nothing is here" in await resp.text()


async def test_wrong_method_is_405_with_allow(client: TestClient) -> None:
    resp = await client.delete("/.well-known/webfinger")
    assert resp.status == 405
    assert "GET" in resp.headers["Allow"]
    assert "not allowed" in (await resp.json())["error"]


async def test_request_id_is_echoed(client: TestClient) -> None:
    resp = await client.get("/healthz", headers={"X-Request-Id": "abc123"})
    assert resp.headers["X-Request-Id"] == "abc123"
    assert (await resp.json())["status"] == "ok"


async def test_home_page_and_static_avatar(client: TestClient) -> None:
    resp = await client.get("/")
    assert resp.status == 200 and "1 member on a.test" in await resp.text()
    resp = await client.get("/static/avatar.png")
    assert resp.status == 200 and (await resp.read()).startswith(b"\x89PNG")


async def test_form_bodies_that_cannot_be_read_are_422(client: TestClient) -> None:
    """Found by the property-based run: aiohttp's form parser raises ValueError or
    InvalidHeader on these, which used to become 500s."""
    from apiclient import member

    alice = await member(client, "alice")
    auth = {"Authorization": f"Bearer {alice.token}"}
    bodies = [
        ("multipart/form-data", b"no boundary"),
        ("multipart/form-data; boundary=zz", b"no starting boundary"),
        ("multipart/form-data; boundary=zz",
         b"--zz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--zz--\r\n"),
        ("multipart/form-data; boundary=zz",
         b'--zz\r\nContent-Disposition: form-data; name="\x05\x03"\r\n\r\nx\r\n--zz--\r\n'),
        ("application/x-www-form-urlencoded", b"\xff\xfe=%ff"),
    ]  # fmt: skip
    for path, method in (
        ("/api/v1/statuses", "POST"),
        ("/api/v1/accounts/update_credentials", "PATCH"),
    ):
        for content_type, data in bodies:
            resp = await client.request(
                method, path, data=data, headers={**auth, "Content-Type": content_type}
            )
            assert resp.status == 422, (path, content_type, data, await resp.text())
            error = (await resp.json())["error"]
            assert "could not be read" in error or "cannot read the form key" in error, error


async def test_ids_beyond_64_bits_are_refused_not_a_500(client: TestClient) -> None:
    """Found by the property-based run: ids that are digits but do not fit the database's
    64-bit columns used to reach the SQL and fail there."""
    from apiclient import member

    alice = await member(client, "alice")
    huge = "9" * 19  # 19 digits, more than 2**63 - 1
    await alice.get(f"/api/v1/accounts/{huge}", status=404)
    await alice.get(f"/api/v1/statuses/{huge}", status=404)
    assert await alice.get(f"/api/v1/accounts/relationships?id[]={huge}") == []
    assert await alice.get(f"/api/v1/accounts/familiar_followers?id[]={huge}") == []
    refused = await alice.get(f"/api/v1/timelines/home?max_id={'9' * 30}", status=422)
    assert refused["field"] == "max_id"
    await alice.get("/api/v1/timelines/home?max_id=-99999999999999999999", status=422)
    for path in ("/api/v1/warmline/connections", "/api/v1/warmline/endorsements"):
        await alice.post(path, json={"account_id": huge}, status=422)
    await alice.get(f"/users/alice/outbox?page=true&max_id={huge}", status=400)


async def test_nul_characters_are_refused_at_the_door(client: TestClient) -> None:
    """Found by the property-based run on PostgreSQL, which cannot store a NUL in text:
    they reached the SQL from the query, the path and bodies, and failed there."""
    from apiclient import member

    alice = await member(client, "alice")
    refused = await alice.get("/api/v1/notifications?types[]=men%00tion", status=400)
    assert "NUL" in refused["error"]
    await alice.get("/api/v1/timelines/tag/a%00b", status=400)
    await alice.get("/api/v1/accounts/lookup?acct=al%00ice", status=400)
    resp = await client.get("/@al%00ice", headers={"Accept": "text/html"})
    assert resp.status == 400
    posted = await alice.post("/api/v1/statuses", json={"status": "a\x00b"}, status=422)
    assert "NUL" in posted["error"]
    await alice.post("/api/v1/statuses", data={"status": "a\x00b"}, status=422)
    profile = await client.patch(
        "/api/v1/accounts/update_credentials",
        headers={"Authorization": f"Bearer {alice.token}"},
        json={"warmline": {"skills": ["Py\x00thon"]}},
    )
    assert profile.status == 422
    assert (await profile.json())["field"] == "warmline.skills"


async def test_a_negative_search_limit_is_clamped_not_a_500(client: TestClient) -> None:
    """Found by the property-based run: a negative ``limit`` reached SQL as it was
    (PostgreSQL refuses a negative LIMIT; SQLite reads it as "no limit")."""
    from apiclient import member

    alice = await member(client, "alice")
    for name in ("alma", "alvin"):
        await member(client, name)
    found = await alice.get("/api/v2/search?q=al&type=accounts&limit=-1")
    assert len(found["accounts"]) == 1
    assert len(await alice.get("/api/v1/accounts/search?q=al&limit=-5")) == 1
    assert len(await alice.get("/api/v1/warmline/connections?limit=-5")) == 0
