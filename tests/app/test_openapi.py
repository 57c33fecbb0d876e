"""The OpenAPI description at /api/openapi.json: valid, complete, and true to the answers."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient, make_mocked_request
from apiclient import Member, member
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from server.api import openapi

W = "/api/v1/warmline"


async def _document(client: TestClient) -> dict[str, Any]:
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    return await resp.json()


def _sample(path: str) -> str:
    """A concrete URL for an OpenAPI path (digits for every parameter)."""
    return re.sub(r"\{[^}]+\}", "12345", path)


def _check(doc: dict[str, Any], method: str, path: str, answer: Any) -> None:
    """``answer`` matches what the description says ``method path`` answers with 200."""
    content = doc["paths"][path][method.lower()]["responses"]["200"]["content"]
    schema = {**content["application/json"]["schema"], "components": doc["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(answer), key=str)
    assert not errors, f"{method} {path}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


async def test_the_served_description_is_valid_openapi_3_1(client: TestClient) -> None:
    doc = await _document(client)
    validate(doc)  # raises on any error
    assert doc["openapi"].startswith("3.1")
    for name in ("Account", "Status", "Notification", "Relationship", "Error"):
        assert name in doc["components"]["schemas"]
    assert {"ConnectionRequest", "Introduction"} <= set(doc["components"]["schemas"])
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_every_api_route_is_described_and_every_described_path_exists(
    client: TestClient,
) -> None:
    app = client.app
    doc = await _document(client)
    described = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    # Every operation in the description is answered by a route with that method.
    served = set()
    for method, path in described:
        request = make_mocked_request(method, _sample(path), app=app)
        match = await app.router.resolve(request)
        assert match.http_exception is None, f"{method} {path} is not a route"
        served.add((method, id(match.route)))
    # Every API route (and every action of an {action:a|b} route) is described.
    for method, resource in openapi.api_routes(app):
        for path, _ in openapi.expand(resource):
            assert (method, path) in described, f"{method} {path} is missing"
    # Metadata for routes that no longer exist is stale.
    assert set(openapi.OPERATIONS) <= described, set(openapi.OPERATIONS) - described
    # The alternations became one path per action, with no regex left in a path.
    assert "/api/v1/accounts/{id}/block" in doc["paths"]
    assert "/api/v1/accounts/{id}/unblock" in doc["paths"]
    assert all(":" not in p and "|" not in p for p in doc["paths"])
    assert doc["paths"]["/api/v1/statuses/{id}"]["get"]["parameters"][0]["name"] == "id"


def test_a_route_without_metadata_still_appears_with_its_path_parameters() -> None:
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        return web.json_response({})

    app = web.Application()
    app.router.add_post(r"/oauth/things/{id:\d+}/{step:open|close}", handler)
    app.router.add_get("/.well-known/oauth-authorization-server", handler)
    app.router.add_get("/about", handler)
    paths = dict(
        item for _, resource in openapi.api_routes(app) for item in openapi.expand(resource)
    )
    assert set(paths) == {
        "/oauth/things/{id}/open",
        "/oauth/things/{id}/close",
        "/.well-known/oauth-authorization-server",
    }
    operation = openapi.operation(
        "POST", "/oauth/things/{id}/open", paths["/oauth/things/{id}/open"]
    )
    assert operation["parameters"] == [
        {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
        }
    ]
    assert "200" in operation["responses"]


async def test_real_answers_match_the_described_entities(client: TestClient) -> None:
    doc = await _document(client)
    ann, bea, cal = [await member(client, n) for n in ("ann", "bea", "cal")]
    await ann.client.patch(
        "/api/v1/accounts/update_credentials",
        headers={"Authorization": f"Bearer {ann.token}"},
        json={"warmline": {"headline": "Founder", "skills": ["Python"], "open_to": ["hiring"]}},
    )
    _check(
        doc,
        "GET",
        "/api/v1/accounts/verify_credentials",
        await ann.get("/api/v1/accounts/verify_credentials"),
    )
    _check(doc, "GET", "/api/v1/accounts/{id}", await bea.get(f"/api/v1/accounts/{ann.id}"))
    posted = await ann.post("/api/v1/statuses", json={"status": "Hello #world @bea"})
    _check(doc, "POST", "/api/v1/statuses", posted)
    reply = await bea.post(
        "/api/v1/statuses", json={"status": "hi", "in_reply_to_id": posted["id"]}
    )
    _check(doc, "POST", "/api/v1/statuses", reply)
    boost = await bea.post(f"/api/v1/statuses/{posted['id']}/reblog")
    _check(doc, "POST", "/api/v1/statuses/{id}/reblog", boost)
    _check(
        doc,
        "GET",
        "/api/v1/statuses/{id}/context",
        await ann.get(f"/api/v1/statuses/{posted['id']}/context"),
    )
    _check(doc, "GET", "/api/v1/timelines/home", await bea.get("/api/v1/timelines/home"))
    follow = await bea.post(f"/api/v1/accounts/{ann.id}/follow")
    _check(doc, "POST", "/api/v1/accounts/{id}/follow", follow)
    await _check_network(doc, ann, bea, cal)
    await _check_groups(doc, ann, bea, cal)
    _check(
        doc, "GET", "/api/v1/notifications", await ann.get("/api/v1/notifications?warmline=true")
    )
    deleted = await ann.delete(f"/api/v1/statuses/{posted['id']}")
    _check(doc, "DELETE", "/api/v1/statuses/{id}", deleted)


async def _check_network(doc: dict[str, Any], ann: Member, bea: Member, cal: Member) -> None:
    sent = await ann.post(f"{W}/connections", json={"account_id": bea.id, "note": "hi"})
    _check(doc, "POST", f"{W}/connections", sent)
    accepted = await bea.post(f"{W}/connection_requests/{sent['id']}/accept")
    _check(doc, "POST", f"{W}/connection_requests/{{id}}/accept", accepted)
    other = await bea.post(f"{W}/connections", json={"account_id": cal.id})
    await cal.post(f"{W}/connection_requests/{other['id']}/accept")
    _check(doc, "GET", f"{W}/connections", await ann.get(f"{W}/connections"))
    intro = await ann.post(
        f"{W}/introductions",
        json={"target_account_id": cal.id, "via_account_id": bea.id, "reason": "to talk"},
    )
    _check(doc, "POST", f"{W}/introductions", intro)
    forwarded = await bea.post(f"{W}/introductions/{intro['id']}/forward", json={"note": "ok"})
    _check(doc, "POST", f"{W}/introductions/{{id}}/forward", forwarded)
    _check(doc, "GET", f"{W}/introductions", await cal.get(f"{W}/introductions?role=target"))
    _check(doc, "GET", f"{W}/suggestions", await ann.get(f"{W}/suggestions"))
    _check(
        doc, "GET", f"{W}/accounts/{{id}}/degree", await ann.get(f"{W}/accounts/{cal.id}/degree")
    )
    endorsed = await bea.post(f"{W}/endorsements", json={"account_id": ann.id, "skill": "python"})
    _check(doc, "POST", f"{W}/endorsements", endorsed)
    _check(
        doc,
        "GET",
        f"{W}/accounts/{{id}}/endorsements",
        await cal.get(f"{W}/accounts/{ann.id}/endorsements"),
    )
    rec = await bea.post(f"{W}/recommendations", json={"account_id": ann.id, "text": "Great"})
    _check(doc, "POST", f"{W}/recommendations", rec)
    _check(
        doc,
        "POST",
        f"{W}/recommendations/{{id}}/approve",
        await ann.post(f"{W}/recommendations/{rec['id']}/approve"),
    )


async def _check_groups(doc: dict[str, Any], ann: Member, bea: Member, cal: Member) -> None:
    g = f"{W}/groups"
    group = await ann.post(g, json={"name": "makers", "membership": "approval"})
    _check(doc, "POST", g, group)
    gid = group["id"]
    _check(doc, "POST", f"{g}/{{id}}/join", await bea.post(f"{g}/{gid}/join"))
    _check(doc, "GET", f"{g}/{{id}}/requests", await ann.get(f"{g}/{gid}/requests"))
    _check(doc, "GET", f"{g}/{{id}}", await ann.get(f"{g}/{gid}"))  # with pending_count
    approved = await ann.post(f"{g}/{gid}/requests/{bea.id}/approve")
    _check(doc, "POST", f"{g}/{{id}}/requests/{{account_id}}/approve", approved)
    await cal.post(f"{g}/{gid}/join")
    rejected = await ann.post(f"{g}/{gid}/requests/{cal.id}/reject")
    _check(doc, "POST", f"{g}/{{id}}/requests/{{account_id}}/reject", rejected)
    changed = await ann.client.patch(
        f"{g}/{gid}",
        headers={"Authorization": f"Bearer {ann.token}"},
        json={"membership": "open", "description": "Hi"},
    )
    assert changed.status == 200
    _check(doc, "PATCH", f"{g}/{{id}}", await changed.json())
    _check(doc, "GET", g, await bea.get(g))
    _check(doc, "GET", g, await cal.get(f"{g}?scope=local"))
    _check(doc, "GET", f"{g}/{{id}}/members", await cal.get(f"{g}/{gid}/members"))
    post = await bea.post("/api/v1/statuses", json={"status": "hello", "group_id": gid})
    _check(doc, "POST", "/api/v1/statuses", post)
    _check(doc, "GET", f"{g}/{{id}}/statuses", await cal.get(f"{g}/{gid}/statuses"))
    removed = await ann.delete(f"{g}/{gid}/statuses/{post['id']}")
    _check(doc, "DELETE", f"{g}/{{id}}/statuses/{{status_id}}", removed)
    _check(doc, "GET", f"{g}/{{id}}/events", await cal.get(f"{g}/{gid}/events"))
    named = await ann.post(f"{g}/{gid}/moderators/{bea.id}", json={"role": "moderator"})
    _check(doc, "POST", f"{g}/{{id}}/moderators/{{account_id}}", named)
    unnamed = await ann.delete(f"{g}/{gid}/moderators/{bea.id}")
    _check(doc, "DELETE", f"{g}/{{id}}/moderators/{{account_id}}", unnamed)
    await cal.post(f"{g}/{gid}/join")
    banned = await ann.post(f"{g}/{gid}/members/{cal.id}/remove", json={"ban": True})
    _check(doc, "POST", f"{g}/{{id}}/members/{{account_id}}/remove", banned)
    _check(doc, "GET", f"{g}/{{id}}/bans", await ann.get(f"{g}/{gid}/bans"))
    unbanned = await ann.delete(f"{g}/{gid}/bans/{cal.id}")
    _check(doc, "DELETE", f"{g}/{{id}}/bans/{{account_id}}", unbanned)
    _check(doc, "POST", f"{g}/{{id}}/leave", await bea.post(f"{g}/{gid}/leave"))


async def test_the_entity_check_refuses_a_wrong_shape(client: TestClient) -> None:
    doc = await _document(client)
    alice = await member(client, "alice")
    account = await alice.get("/api/v1/accounts/verify_credentials")
    broken = {**account, "warmline": {**account["warmline"], "open_to": ["astronaut"]}}
    del broken["acct"]
    try:
        _check(doc, "GET", "/api/v1/accounts/verify_credentials", broken)
    except AssertionError as exc:
        assert "acct" in str(exc) and "astronaut" in str(exc)
    else:
        raise AssertionError("a broken Account passed")


async def test_every_operation_has_its_summary_and_scope(client: TestClient) -> None:
    """A new route must come with its entry in server/api/openapi/ (summary, scope,
    answer), not only the generic one."""
    missing = [
        f"{method} {path}"
        for method, resource in openapi.api_routes(client.app)
        for path, _ in openapi.expand(resource)
        if (method, path) not in openapi.OPERATIONS
    ]
    assert missing == []
