"""Mastodon's admin API for domain blocks and allows (``server/api/admin_domains.py``):
admins only, with the admin scopes; entities as Mastodon's docs describe them."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from aiohttp.test_utils import TestClient
from apiclient import Member
from jsonschema import Draft202012Validator
from yarl import URL

from server.appkeys import DB
from server.services import members, tokens

BLOCKS = "/api/v1/admin/domain_blocks"
ALLOWS = "/api/v1/admin/domain_allows"
ADMIN_SCOPES = "admin:read admin:write"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def _admin(client: TestClient, scopes: str = ADMIN_SCOPES, name: str = "ada") -> Member:
    db = client.app[DB]
    try:
        account = await members.create_member(db, name, role="admin")
    except Exception:
        account = await members.get_member(db, name)
    return Member(client, await tokens.create_token(db, name, scopes=scopes), str(account.id))


async def _member(client: TestClient, name: str, scopes: str) -> Member:
    db = client.app[DB]
    account = await members.get_member(db, name)
    return Member(client, await tokens.create_token(db, name, scopes=scopes), str(account.id))


def _valid(doc: dict[str, Any], method: str, path: str, answer: Any) -> None:
    content = doc["paths"][path][method.lower()]["responses"]["200"]["content"]
    schema = {**content["application/json"]["schema"], "components": doc["components"]}
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(answer)]
    assert not errors, f"{method} {path}: {errors}"


async def test_block_list_get_update_and_lift(client: TestClient) -> None:
    ada = await _admin(client)
    made = await ada.post(
        BLOCKS,
        json={
            "domain": "spam.example",
            "severity": "suspend",
            "reject_media": True,
            "private_comment": "  spam wave  ",
            "public_comment": "Spam",
        },
    )
    assert made == {
        "id": made["id"],
        "domain": "spam.example",
        "digest": hashlib.sha256(b"spam.example").hexdigest(),
        "created_at": made["created_at"],
        "severity": "suspend",
        "reject_media": True,
        "reject_reports": False,
        "private_comment": "spam wave",
        "public_comment": "Spam",
        "obfuscate": False,
    }
    assert made["id"].isdigit() and DATE.match(made["created_at"])
    # Mastodon's default severity is silence; a form body works too.
    other = await ada.post(BLOCKS, data={"domain": "loud.example", "obfuscate": "true"})
    assert (other["severity"], other["obfuscate"]) == ("silence", True)

    listed = await ada.get(BLOCKS)
    assert [b["domain"] for b in listed] == ["loud.example", "spam.example"]  # newest first
    assert await ada.get(f"{BLOCKS}/{made['id']}") == made

    # PUT changes what it is given (JSON or form) and leaves the rest.
    changed = await ada.put(
        f"{BLOCKS}/{made['id']}", data={"severity": "noop", "reject_reports": "1"}
    )
    assert changed == {**made, "severity": "noop", "reject_reports": True}
    cleared = await ada.put(f"{BLOCKS}/{made['id']}", json={"public_comment": ""})
    assert cleared["public_comment"] is None and cleared["severity"] == "noop"

    assert await ada.delete(f"{BLOCKS}/{made['id']}") == {}
    await ada.get(f"{BLOCKS}/{made['id']}", status=404)
    assert [b["domain"] for b in await ada.get(BLOCKS)] == ["loud.example"]


async def test_a_domain_is_stored_in_one_spelling_and_blocked_once(client: TestClient) -> None:
    ada = await _admin(client)
    made = await ada.post(BLOCKS, json={"domain": "Example.ORG."})
    assert made["domain"] == "example.org"
    assert made["digest"] == hashlib.sha256(b"example.org").hexdigest()
    again = await ada.post(BLOCKS, data={"domain": "example.org"}, status=422)
    assert again == {"error": "There is a block of example.org already", "field": "domain"}
    missing = await ada.post(BLOCKS, json={"severity": "suspend"}, status=422)
    assert missing["field"] == "domain"
    bad = await ada.post(BLOCKS, json={"domain": "not a domain"}, status=422)
    assert bad["field"] == "domain"
    assert len(await ada.get(BLOCKS)) == 1


async def test_a_bad_severity_or_option_is_a_422_naming_the_field(client: TestClient) -> None:
    ada = await _admin(client)
    bad = await ada.post(BLOCKS, json={"domain": "a.example", "severity": "obliterate"}, status=422)
    assert bad["field"] == "severity" and "severity" in bad["error"]
    assert "obliterate" in bad["error"]
    assert await ada.get(BLOCKS) == []
    made = await ada.post(BLOCKS, json={"domain": "a.example", "severity": "limit"})
    assert made["severity"] == "silence"  # Mastodon's web UI word for it
    bad = await ada.put(f"{BLOCKS}/{made['id']}", data={"severity": "loud"}, status=422)
    assert bad["field"] == "severity"
    wrong = await ada.put(f"{BLOCKS}/{made['id']}", json={"reject_media": "maybe"}, status=422)
    assert wrong["field"] == "reject_media"
    typed = await ada.put(f"{BLOCKS}/{made['id']}", json={"severity": 3}, status=422)
    assert typed["field"] == "severity"
    long = await ada.put(f"{BLOCKS}/{made['id']}", json={"public_comment": "x" * 1001}, status=422)
    assert long["field"] == "public_comment"
    assert await ada.get(f"{BLOCKS}/{made['id']}") == made


async def test_admins_only(client: TestClient) -> None:
    alice = await _member(client, "alice", ADMIN_SCOPES)  # the scopes, not the role
    for method, path in (("get", BLOCKS), ("post", BLOCKS), ("get", ALLOWS), ("post", ALLOWS)):
        resp = await client.request(
            method, path, headers={"Authorization": f"Bearer {alice.token}"}, json={"domain": "x"}
        )
        assert resp.status == 403, await resp.text()
        assert await resp.json() == {"error": "This action is not allowed"}
    resp = await client.get(BLOCKS)
    assert resp.status == 401 and "error" in await resp.json()


async def test_the_admin_scopes_are_needed(client: TestClient) -> None:
    ada = await _admin(client)
    made = await ada.post(BLOCKS, json={"domain": "a.example"})
    everyday = await _admin(client, "read write follow")
    refused = await everyday.get(BLOCKS, status=403)
    assert refused == {"error": "This action is outside the authorized scopes"}
    reader = await _admin(client, "admin:read")
    assert [b["id"] for b in await reader.get(BLOCKS)] == [made["id"]]
    await reader.post(BLOCKS, json={"domain": "b.example"}, status=403)
    await reader.delete(f"{BLOCKS}/{made['id']}", status=403)
    # The granular scopes grant their own list only.
    granular = await _admin(client, "admin:read:domain_blocks admin:write:domain_allows")
    assert await granular.get(f"{BLOCKS}/{made['id']}") == made
    await granular.get(ALLOWS, status=403)
    await granular.put(f"{BLOCKS}/{made['id']}", json={"severity": "noop"}, status=403)
    assert (await granular.post(ALLOWS, json={"domain": "ok.example"}))["domain"] == "ok.example"
    assert tokens.scope_allows(("admin:write",), "admin:write:domain_allows")
    assert not tokens.scope_allows(("read", "write"), "admin:read:domain_blocks")
    assert not tokens.scope_allows(("admin:read",), "admin:write:domain_blocks")


async def test_an_unknown_id_is_a_404(client: TestClient) -> None:
    ada = await _admin(client)
    for path in (f"{BLOCKS}/12345", f"{ALLOWS}/12345", f"{BLOCKS}/99999999999999999999999"):
        assert "error" in await ada.get(path, status=404)
    assert "error" in await ada.put(f"{BLOCKS}/12345", json={"severity": "noop"}, status=404)
    assert "error" in await ada.delete(f"{BLOCKS}/12345", status=404)
    assert "error" in await ada.delete(f"{ALLOWS}/12345", status=404)


async def test_allow_list_get_and_remove(client: TestClient) -> None:
    ada = await _admin(client)
    made = await ada.post(ALLOWS, json={"domain": "Friends.Example."})
    assert made == {"id": made["id"], "domain": "friends.example", "created_at": made["created_at"]}
    assert DATE.match(made["created_at"])
    assert await ada.post(ALLOWS, data={"domain": "friends.example"}) == made  # no error
    other = await ada.post(ALLOWS, json={"domain": "pals.example"})
    assert await ada.get(ALLOWS) == [other, made]
    assert await ada.get(f"{ALLOWS}/{made['id']}") == made
    assert await ada.delete(f"{ALLOWS}/{made['id']}") == {}
    assert await ada.get(ALLOWS) == [other]
    assert (await ada.post(ALLOWS, json={}, status=422))["field"] == "domain"


async def test_lists_are_paged_with_a_link_header(client: TestClient) -> None:
    ada = await _admin(client)
    made = [await ada.post(BLOCKS, json={"domain": f"d{i}.example"}) for i in range(5)]
    newest_first = [b["id"] for b in reversed(made)]
    headers = {"Authorization": f"Bearer {ada.token}"}
    resp = await client.get(BLOCKS, params={"limit": "2"}, headers=headers)
    assert [b["id"] for b in await resp.json()] == newest_first[:2]
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', resp.headers["Link"])}
    assert "limit=2" in links["next"] and f"max_id={newest_first[1]}" in links["next"]
    older = await ada.get(URL(links["next"]).path_qs)
    assert [b["id"] for b in older] == newest_first[2:4]
    newer = await ada.get(f"{BLOCKS}?limit=2&min_id={newest_first[4]}")
    assert [b["id"] for b in newer] == newest_first[2:4]
    since = await ada.get(f"{BLOCKS}?since_id={newest_first[2]}")
    assert [b["id"] for b in since] == newest_first[:2]
    empty = await client.get(BLOCKS, params={"max_id": newest_first[-1]}, headers=headers)
    assert await empty.json() == [] and "Link" not in empty.headers


async def test_answers_match_the_openapi_description(client: TestClient) -> None:
    ada = await _admin(client)
    doc = await (await client.get("/api/openapi.json")).json()
    block = await ada.post(BLOCKS, json={"domain": "a.example", "public_comment": "why"})
    _valid(doc, "POST", BLOCKS, block)
    _valid(doc, "GET", BLOCKS, await ada.get(BLOCKS))
    _valid(doc, "PUT", f"{BLOCKS}/{{id}}", await ada.put(f"{BLOCKS}/{block['id']}", json={}))
    _valid(doc, "DELETE", f"{BLOCKS}/{{id}}", await ada.delete(f"{BLOCKS}/{block['id']}"))
    allow = await ada.post(ALLOWS, json={"domain": "b.example"})
    _valid(doc, "POST", ALLOWS, allow)
    _valid(doc, "GET", f"{ALLOWS}/{{id}}", await ada.get(f"{ALLOWS}/{allow['id']}"))
    _valid(doc, "GET", ALLOWS, await ada.get(ALLOWS))
    operation = doc["paths"][BLOCKS]["post"]
    assert operation["security"] == [{"bearer": ["admin:write:domain_blocks"]}]
    assert "Link" in doc["paths"][BLOCKS]["get"]["responses"]["200"]["headers"]
