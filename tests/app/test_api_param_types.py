"""A JSON parameter of the wrong type is a 422 that names it, never read as text.

``{"status": 42}`` used to post "42". Every endpoint that reads a string refuses
a number, boolean, list or object in its place; ids may be strings or integers,
as Mastodon clients send them; form bodies read exactly as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.apiclient import Member, member
from tests.app.test_media import png, upload

WRONG = [42, 4.5, True, ["a"], {"a": 1}]


async def _pair(client: TestClient) -> tuple[Member, Member, dict[str, Any]]:
    alice = await member(client, "alice")
    bob = await member(client, "bob")
    post = await alice.post("/api/v1/statuses", json={"status": "first"})
    return alice, bob, post


async def _refused(m: Member, method: str, path: str, body: dict[str, Any], name: str) -> None:
    resp = await m.client.request(
        method, path, json=body, headers={"Authorization": f"Bearer {m.token}"}
    )
    answer = await resp.json()
    assert resp.status == 422, (body, answer)
    assert name in answer["error"] and answer.get("field") == name, (body, answer)


@pytest.mark.parametrize("value", WRONG, ids=lambda v: type(v).__name__)
async def test_a_post_refuses_text_of_the_wrong_type(client: TestClient, value: Any) -> None:
    alice, _, post = await _pair(client)
    for name in ("status", "spoiler_text", "visibility", "language"):
        body = {"status": "hello", name: value}
        await _refused(alice, "POST", "/api/v1/statuses", body, name)
        await _refused(alice, "PUT", f"/api/v1/statuses/{post['id']}", body, name)
    await _refused(
        alice, "POST", f"/api/v1/statuses/{post['id']}/reblog", {"visibility": value}, "visibility"
    )
    mine = await alice.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert [s["content"] for s in mine] == ["<p>first</p>"]  # nothing was posted


async def test_ids_may_be_strings_or_integers_but_nothing_else(client: TestClient) -> None:
    alice, _, post = await _pair(client)
    for parent in (post["id"], int(post["id"])):
        reply = await alice.post(
            "/api/v1/statuses", json={"status": "re", "in_reply_to_id": parent}
        )
        assert reply["in_reply_to_id"] == post["id"]
    for bad in ({"a": 1}, [post["id"]], True, "x1"):
        body = {"status": "re", "in_reply_to_id": bad}
        await _refused(alice, "POST", "/api/v1/statuses", body, "in_reply_to_id")
    await _refused(alice, "POST", "/api/v1/statuses", {"status": "x", "sensitive": {}}, "sensitive")
    body = {"status": "x", "media_ids": [{"id": 1}]}
    await _refused(alice, "POST", "/api/v1/statuses", body, "media_ids")


async def test_form_bodies_read_as_before(client: TestClient) -> None:
    alice, _, post = await _pair(client)
    form = {"status": "42", "sensitive": "true", "spoiler_text": "cw", "in_reply_to_id": post["id"]}
    made = await alice.post("/api/v1/statuses", data=form)
    assert made["content"] == "<p>42</p>" and made["sensitive"] is True
    assert made["in_reply_to_id"] == post["id"] and made["spoiler_text"] == "cw"
    made = await alice.post("/api/v1/statuses", json={"status": "json", "sensitive": True})
    assert made["sensitive"] is True


@pytest.mark.parametrize("value", [42, False, ["x"], {"x": 1}], ids=lambda v: type(v).__name__)
async def test_every_text_parameter_of_the_api_refuses_other_types(
    client: TestClient, value: Any
) -> None:
    alice, bob, _ = await _pair(client)
    connect = "/api/v1/warmline/connections"
    app = {"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}
    intro = {"target_account_id": bob.id, "via_account_id": bob.id}
    cases = [
        ("POST", "/api/v1/apps", {**app, "client_name": value}, "client_name"),
        ("POST", "/api/v1/apps", {**app, "scopes": value}, "scopes"),
        ("POST", "/api/v1/apps", {**app, "website": value}, "website"),
        ("POST", connect, {"account_id": bob.id, "note": value}, "note"),
        ("POST", "/api/v1/warmline/introductions", {**intro, "reason": value}, "reason"),
        ("POST", "/api/v1/warmline/endorsements", {"account_id": bob.id, "skill": value}, "skill"),
        ("POST", "/api/v1/warmline/recommendations", {"account_id": bob.id, "text": value}, "text"),
    ]  # fmt: skip
    if not isinstance(value, int):  # a number is an id here
        cases.append(("POST", connect, {"account_id": value}, "account_id"))
    if not isinstance(value, list):  # a list of URIs is how some apps send them
        cases.append(("POST", "/api/v1/apps", {**app, "redirect_uris": value}, "redirect_uris"))
    for method, path, body, name in cases:
        await _refused(alice, method, path, body, name)
    attachment = await upload(alice, png(), "a.png", content_type="image/png")
    path = f"/api/v1/media/{attachment['id']}"
    await _refused(alice, "PUT", path, {"description": value}, "description")
    markers = {"home": {"last_read_id": value}}
    if not isinstance(value, int) or isinstance(value, bool):
        await _refused(alice, "POST", "/api/v1/markers", markers, "home[last_read_id]")


async def test_an_account_id_may_be_an_integer(client: TestClient) -> None:
    alice, bob, _ = await _pair(client)
    made = await alice.post("/api/v1/warmline/connections", json={"account_id": int(bob.id)})
    assert made["account"]["id"] == bob.id


async def test_oauth_says_which_parameter_has_the_wrong_type(client: TestClient) -> None:
    resp = await client.post("/oauth/token", json={"grant_type": 1})
    answer = await resp.json()
    assert resp.status == 400 and answer["error"] == "invalid_request"
    assert "grant_type must be a string" in answer["error_description"]
