"""Languages and certifications (from a LinkedIn import) travel in the actor document,
and a remote Warmline profile's are shown on its page here."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import linkedin_samples as samples
from aiohttp.test_utils import TestClient
from apiclient import Member, member
from fakepeer import AS_CONTEXT, fake_peer
from sqlalchemy import select

from federation.validate import validate
from server.appkeys import DB, SERVICES
from server.store import linkedin as linkedin_q
from server.store.tables import activities
from server.web.views import person

AS2 = "application/activity+json"
IMPORT = "/api/v1/warmline/import/linkedin"
FRENCH = {"type": "Language", "name": "French", "proficiency": "Native or bilingual"}
AWS = {
    "type": "Certification",
    "name": "AWS Solutions Architect",
    "authority": "Amazon",
    "url": "https://aws.example/cert",
    "licenseNumber": "ABC-1",
    "startDate": "2021-02",
}


async def _import(who: Member, data: bytes) -> Any:
    form = aiohttp.FormData()
    form.add_field("file", data, filename="export.zip", content_type="application/zip")
    return await who.post(IMPORT, 200, data=form)


async def _actor(client: TestClient, name: str) -> dict[str, Any]:
    resp = await client.get(f"/users/{name}", headers={"Accept": AS2})
    assert resp.status == 200, await resp.text()
    return await resp.json(content_type=None)


async def _updates(client: TestClient) -> list[dict[str, Any]]:
    query = select(activities.c.payload).where(activities.c.type == "Update")
    async with client.app[DB].read() as conn:
        rows = (await conn.execute(query.order_by(activities.c.id))).scalars()
        return [json.loads(p) for p in rows]


async def test_the_actor_of_a_member_lists_imported_languages_and_certifications(
    client: TestClient,
) -> None:
    alice = await member(client, "alice")
    before = await _actor(client, "alice")
    assert "languages" not in before and "certifications" not in before
    await _import(alice, samples.english_old())
    doc = await _actor(client, "alice")
    validate("actor", doc)
    assert doc["languages"] == [FRENCH]
    assert doc["certifications"] == [AWS]
    shown = {a["name"]: a["value"] for a in doc["attachment"]}
    assert shown["Languages"] == "French (Native or bilingual)"
    # Followers hear of them in the Update the import sends.
    [update] = await _updates(client)
    assert update["object"]["languages"] == [FRENCH]
    assert update["object"]["certifications"] == [AWS]


async def test_an_import_of_languages_alone_is_sent_to_followers(client: TestClient) -> None:
    alice = await member(client, "alice")
    only = samples.zip_of(
        {"Languages.csv": samples.table(["Name", "Proficiency"], [["German", "Elementary"]])}
    )
    await _import(alice, only)
    [update] = await _updates(client)
    assert update["object"]["languages"] == [
        {"type": "Language", "name": "German", "proficiency": "Elementary"}
    ]
    await _import(alice, only)  # nothing new: nothing to tell
    assert len(await _updates(client)) == 1


async def test_a_remote_profile_shows_its_languages_and_certifications(
    client: TestClient,
) -> None:
    svc = client.app[SERVICES]
    async with fake_peer() as peer:
        rita = peer.add("rita")
        context = [AS_CONTEXT, "https://w3id.org/security/v1", "https://w3id.org/warmline/v1"]
        rita.extra = {
            "@context": context,
            "name": "Rita Rossi",
            "connections": f"{rita.id}/connections",
            "languages": [
                {"type": "Language", "name": "Italian", "proficiency": "Native"},
                {"type": "Language", "name": "<script>alert(1)</script>"},
            ],
            "certifications": [
                {"type": "Certification", "name": "Customs broker", "authority": "ADM",
                 "url": "https://adm.example/c/7", "startDate": "2019-05"},
                {"type": "Certification", "name": "Sneaky", "url": "javascript:alert(2)"},
            ],
            "attachment": [
                {"type": "PropertyValue", "name": "Languages",
                 "value": "Italian (Native), &lt;script&gt;alert(1)&lt;/script&gt;"},
            ],
        }  # fmt: skip
        account = await svc.remote.fetch_actor(rita.id)
        assert account.fields == []  # the readable copy is taken off again
        page = await client.get(person(svc, account).path)
        assert page.status == 200
        html = await page.text()
        assert "Italian" in html and "Native" in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
        assert (
            '<a href="https://adm.example/c/7" rel="nofollow noopener">Customs broker</a>' in html
        )
        assert "javascript:" not in html and "Sneaky" in html

        rita.extra = {"@context": context, "name": "Rita Rossi"}  # she removed them
        account = await svc.remote.fetch_actor(rita.id, refresh=True)
        async with svc.db.read() as conn:
            assert await linkedin_q.get_extras(conn, account.id) == {
                "languages": [],
                "certifications": [],
            }
        html = await (await client.get(person(svc, account).path)).text()
        assert "Italian" not in html and "Customs broker" not in html
