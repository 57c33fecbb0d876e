"""Importing a LinkedIn export through the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import linkedin_samples as samples
import pytest
from aiohttp.test_utils import TestClient
from apiclient import Member, member
from sqlalchemy import select

from server.appkeys import DB
from server.store.tables import activities

URL = "/api/v1/warmline/import/linkedin"


def _form(data: bytes, **fields: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("file", data, filename="export.zip", content_type="application/zip")
    return form


async def _import(who: Member, data: bytes, status: int = 200, **fields: str) -> Any:
    return await who.post(URL, status, data=_form(data, **fields))


async def _profile(who: Member) -> dict[str, Any]:
    return (await who.get("/api/v1/accounts/verify_credentials"))["warmline"]


async def _updates(client: TestClient) -> list[dict[str, Any]]:
    """The Update activities stored for delivery, oldest first."""
    query = select(activities.c.payload).where(activities.c.type == "Update")
    async with client.app[DB].read() as conn:
        return [
            json.loads(p) for p in (await conn.execute(query.order_by(activities.c.id))).scalars()
        ]


async def test_dry_run_reports_and_changes_nothing(client: TestClient) -> None:
    alice = await member(client, "alice")
    before = await alice.get("/api/v1/accounts/verify_credentials")
    report = await _import(alice, samples.english_old(), dry_run="true")
    assert report["dry_run"] is True
    assert report["imported"] == {
        "experience": 2, "education": 1, "skills": 2, "languages": 1, "certifications": 1,
        "recommendations": 1,
    }  # fmt: skip
    assert report["connections"] == {"found": 2, "matched": 0}
    assert report["profile"]["headline"] == "Founder at Example Co"
    assert "Positions.csv row 3: no title, skipped" in report["warnings"]
    assert await alice.get("/api/v1/accounts/verify_credentials") == before
    assert await alice.get(f"{URL}/contacts") == []
    assert await alice.get(f"{URL}/recommendations") == []


async def test_import_merges_then_replaces(client: TestClient) -> None:
    alice = await member(
        client, "alice", headline="Mine", skills=["Rust"],
        experience=[{"title": "Founder", "organization": "Example Co", "start": "2020-01"}],
    )  # fmt: skip
    report = await _import(alice, samples.english_old())
    assert report["imported"]["experience"] == 1  # the Founder entry was there already
    profile = await _profile(alice)
    assert profile["headline"] == "Mine"  # kept: merge fills empty fields only
    assert profile["skills"] == ["Rust", "Python", "Public Speaking"]
    assert [e["title"] for e in profile["experience"]] == ["Founder", "Engineer"]
    account = await alice.get("/api/v1/accounts/verify_credentials")
    assert "I build things." in account["note"]
    assert (await alice.get(f"{URL}/recommendations"))[0]["shown"] is False

    again = await _import(alice, samples.english_old())  # nothing new the second time
    assert again["imported"]["experience"] == 0 and again["imported"]["recommendations"] == 0
    assert len(await alice.get(f"{URL}/contacts")) == 2  # replaced, not added

    report = await _import(alice, samples.english_new(), replace="true")
    profile = await _profile(alice)
    assert [e["title"] for e in profile["experience"]] == ["CEO"]
    assert profile["skills"] == ["Rust", "Python", "Public Speaking"]  # no Skills.csv: kept
    assert len(await alice.get(f"{URL}/contacts")) == 3


async def test_followers_get_one_update(client: TestClient) -> None:
    alice = await member(client, "alice")
    await _import(alice, samples.english_old(), dry_run="true")
    assert await _updates(client) == []  # a dry run sends nothing
    await _import(alice, samples.english_old())
    [update] = await _updates(client)
    person = update["object"]
    assert person["id"].endswith("/users/alice")
    assert any("Founder" in json.dumps(a) for a in person.get("attachment", [])) or (
        "Founder" in json.dumps(person)
    )
    await _import(alice, samples.english_old())  # nothing new: nothing to tell
    assert len(await _updates(client)) == 1


async def test_contacts_match_findable_members(client: TestClient) -> None:
    alice = await member(client, "alice")
    bob = await member(client, "bob")
    carol = await member(client, "carol")
    link = "/api/v1/warmline/profile/linkedin"
    got = await bob.put(link, json={"url": "linkedin.com/in/Bob-Builder/", "findable": True})
    assert got == {"url": "https://www.linkedin.com/in/bob-builder", "findable": True}
    await carol.put(link, json={"url": "https://www.linkedin.com/in/carol-d", "findable": False})
    report = await _import(alice, samples.english_old())
    assert report["connections"] == {"found": 2, "matched": 1}
    found = await alice.get(f"{URL}/contacts")
    assert found[0]["account"]["id"] == bob.id and found[0]["first_name"] == "Bob"
    assert found[1]["account"] is None
    assert found[1]["company"].startswith("=HYPERLINK")  # kept as text, never run
    assert await alice.get(f"{URL}/contacts?matched=true") == found[:1]
    assert await carol.get(link) == {
        "url": "https://www.linkedin.com/in/carol-d",
        "findable": False,
    }


async def test_recommendation_shown_on_request(client: TestClient) -> None:
    alice = await member(client, "alice")
    bob = await member(client, "bob")
    await _import(alice, samples.english_old())
    rec = (await alice.get(f"{URL}/recommendations"))[0]
    shown = await alice.post(f"{URL}/recommendations/{rec['id']}/show")
    assert shown["shown"] is True and shown["author"] == "Bob Builder"
    await bob.post(f"{URL}/recommendations/{rec['id']}/hide", 404)


@pytest.mark.parametrize(
    ("sample", "status", "words"),
    [
        (samples.not_a_zip, 422, "not a ZIP"),
        (samples.traversal, 422, "outside itself"),
        (samples.zip_bomb, 413, "uncompressed"),
        (samples.binary_garbage, 422, "binary"),
        (samples.unbalanced_quotes, 422, "quote"),
    ],
)
async def test_refusals_say_why_and_change_nothing(
    client: TestClient, sample: Any, status: int, words: str
) -> None:
    alice = await member(client, "alice")
    before = await alice.get("/api/v1/accounts/verify_credentials")
    resp = await client.post(
        URL, data=_form(sample()), headers={"Authorization": f"Bearer {alice.token}"}
    )
    assert resp.status == status
    assert words in (await resp.json())["error"]
    assert await alice.get("/api/v1/accounts/verify_credentials") == before


async def test_other_refusals(client: TestClient) -> None:
    alice = await member(client, "alice")
    answer = await alice.post(URL, 422, json={"dry_run": True})
    assert "multipart" in answer["error"]
    form = aiohttp.FormData()
    form.add_field("dry_run", "true", content_type="text/plain")  # multipart, no file
    assert "file is missing" in (await alice.post(URL, 422, data=form))["error"]
    bad = await alice.put(
        "/api/v1/warmline/profile/linkedin", 422, json={"url": "https://x.test/a"}
    )
    assert bad["field"] == "url"
    resp = await client.post(URL, data=_form(samples.english_old()))
    assert resp.status == 401


async def test_a_large_upload_is_accepted(client: TestClient) -> None:
    alice = await member(client, "alice")
    report = await _import(alice, samples.big(connections=5000), dry_run="1")
    assert report["connections"]["found"] == 5000
    assert report["imported"]["skills"] == 50
    assert any("skills: a profile holds at most 50" in w for w in report["warnings"])


async def test_an_upload_of_21_megabytes_is_read(client: TestClient) -> None:
    alice = await member(client, "alice")
    data = samples.large_upload(21)
    assert len(data) > 21 * 1024 * 1024 - 4096
    report = await _import(alice, data, dry_run="true")
    assert report["connections"]["found"] == 30_000
    assert "Connections.csv: only the first 30000 rows were read" in report["warnings"]
