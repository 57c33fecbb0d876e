"""PATCH /api/v1/accounts/update_credentials: standard fields, the warmline profile, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from server.appkeys import DB
from server.services import members, tokens
from server.store import accounts as accounts_q
from server.store import graph as graph_q
from server.store.tables import activities

PATH = "/api/v1/accounts/update_credentials"
PROFILE = {
    "headline": "Founder at Example Co",
    "industry": "Software",
    "location": "Lyon",
    "open_to": ["mentoring", "hiring"],
    "experience": [
        {"title": "Founder", "organization": "Example Co", "start": "2021-03", "end": None,
         "description": "Building <bridges>."},
        {"title": "Engineer", "organization": "Acme", "start": "2015-09-01", "end": "2021-02"},
    ],
    "education": [{"school": "Lyon 1", "degree": "MSc", "field": "Physics", "start": "2010-09",
                   "end": "2015-06"}],
    "skills": ["Python", "Negotiation"],
    "links": [{"name": "Blog", "url": "https://alice.example/blog"}],
    "connections_visibility": "connections",
    "accepts_introductions": False,
}  # fmt: skip


@pytest.fixture
async def token(client: TestClient) -> str:
    return await tokens.create_token(client.app[DB], "alice")


async def patch(client: TestClient, token: str, status: int = 200, **kw: Any) -> Any:
    resp = await client.patch(PATH, headers={"Authorization": f"Bearer {token}"}, **kw)
    body = await resp.json()
    assert resp.status == status, body
    return body


async def test_json_body_sets_everything(client: TestClient, token: str) -> None:
    profile = PROFILE
    body = {
        "display_name": "Alice A.",
        "note": "Hello & welcome",
        "locked": True,
        "discoverable": False,
        "fields_attributes": [{"name": "Website", "value": "https://alice.example"}],
        "warmline": profile,
    }
    me = await patch(client, token, json=body)
    assert me["display_name"] == "Alice A." and me["note"] == "<p>Hello &amp; welcome</p>"
    assert me["locked"] is True and me["discoverable"] is False
    assert me["fields"][0]["name"] == "Website"
    assert me["source"]["note"] == "Hello & welcome"
    assert me["source"]["warmline"] == {"connections_visibility": "connections"}
    expected = {k: v for k, v in profile.items() if k != "connections_visibility"}
    expected["experience"] = [{"end": None, "description": "", **e} for e in PROFILE["experience"]]
    assert me["warmline"] == expected
    # The same profile on the account page, for anyone.
    shown = await (await client.get(f"/api/v1/accounts/{me['id']}")).json()
    assert shown["warmline"] == expected and "source" not in shown
    again = await (
        await client.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()
    assert again["warmline"] == expected


async def test_a_partial_change_leaves_the_rest(client: TestClient, token: str) -> None:
    profile = {**PROFILE, "education": []}
    await patch(client, token, json={"warmline": profile})
    me = await patch(client, token, json={"warmline": {"skills": ["Go"]}})
    assert me["warmline"]["skills"] == ["Go"] and me["warmline"]["headline"] == PROFILE["headline"]
    me = await patch(client, token, json={"warmline": {"skills": [], "open_to": []}})
    assert me["warmline"]["skills"] == [] and me["warmline"]["open_to"] == []


async def test_form_body_as_mastodon_apps_send_it(client: TestClient, token: str) -> None:
    form = [
        ("display_name", "Alice F."),
        ("note", "Line one\nline two"),
        ("locked", "1"),
        ("fields_attributes[0][name]", "Website"),
        ("fields_attributes[0][value]", "https://alice.example"),
        ("fields_attributes[1][name]", "Pronouns"),
        ("fields_attributes[1][value]", "she/her"),
        ("warmline[headline]", "Builder"),
        ("warmline[open_to][]", "speaking"),
        ("warmline[open_to][]", "investing"),
        ("warmline[skills][]", "Go"),
        ("warmline[skills][]", "Rust"),
        ("warmline[experience][0][title]", "CTO"),
        ("warmline[experience][0][organization]", "Acme"),
        ("warmline[experience][0][start]", "2020-01"),
        ("warmline[links][0][name]", "Site"),
        ("warmline[links][0][url]", "https://a.example/"),
        ("warmline[accepts_introductions]", "false"),
    ]
    for content in ("urlencoded", "multipart"):
        data = FormData(form)
        if content == "multipart":
            data = FormData(form, default_to_multipart=True)
        me = await patch(client, token, data=data)
        assert me["display_name"] == "Alice F." and me["locked"] is True
        assert me["note"] == "<p>Line one<br>line two</p>"
        assert [f["name"] for f in me["fields"]] == ["Website", "Pronouns"]
        profile = me["warmline"]
        assert profile["headline"] == "Builder" and profile["open_to"] == ["speaking", "investing"]
        assert profile["skills"] == ["Go", "Rust"]
        assert profile["experience"] == [
            {"title": "CTO", "organization": "Acme", "start": "2020-01", "end": None,
             "description": ""}
        ]  # fmt: skip
        assert profile["links"] == [{"name": "Site", "url": "https://a.example/"}]
        assert profile["accepts_introductions"] is False


async def test_json_fields_attributes_as_a_numbered_object(client: TestClient, token: str) -> None:
    fields = {"1": {"name": "B", "value": "2"}, "0": {"name": "A", "value": "1"}}
    me = await patch(client, token, json={"fields_attributes": fields})
    assert [f["name"] for f in me["fields"]] == ["A", "B"]


BAD = [
    ({"warmline": {"headline": "x" * 201}}, "headline"),
    ({"warmline": {"headline": 5}}, "warmline.headline"),
    ({"warmline": {"industry": "x" * 101}}, "warmline.industry"),
    ({"warmline": {"location": "x" * 101}}, "location"),
    ({"warmline": {"open_to": ["world_domination"]}}, "warmline.open_to"),
    ({"warmline": {"open_to": "hiring"}}, "warmline.open_to"),
    ({"warmline": {"skills": [f"s{i}" for i in range(51)]}}, "warmline.skills"),
    ({"warmline": {"skills": ["x" * 81]}}, "warmline.skills[0]"),
    ({"warmline": {"skills": ["Go", "go"]}}, "warmline.skills"),
    ({"warmline": {"skills": [3]}}, "warmline.skills[0]"),
    ({"warmline": {"experience": [{"title": "T", "organization": "O"}] * 31}},
     "warmline.experience"),
    ({"warmline": {"experience": [{"organization": "O"}]}}, "warmline.experience[0].title"),
    ({"warmline": {"experience": [{"title": "T"}]}}, "warmline.experience[0].organization"),
    ({"warmline": {"experience": ["CTO"]}}, "warmline.experience[0]"),
    ({"warmline": {"experience": [{"title": "T", "organization": "O", "start": "2020-13"}]}},
     "warmline.experience[0].start"),
    ({"warmline": {"experience": [{"title": "T", "organization": "O", "start": "2021-02-30"}]}},
     "warmline.experience[0].start"),
    ({"warmline": {"experience": [{"title": "T", "organization": "O", "end": "March 2020"}]}},
     "warmline.experience[0].end"),
    ({"warmline": {"experience": [{"title": "T", "organization": "O", "start": "2021-01",
                                   "end": "2020-12"}]}}, "warmline.experience[0]"),
    ({"warmline": {"experience": [{"title": "T", "organization": "O",
                                   "description": "x" * 2001}]}},
     "warmline.experience[0].description"),
    ({"warmline": {"education": [{"degree": "MSc"}]}}, "warmline.education[0].school"),
    ({"warmline": {"education": [{"school": "S", "start": "1800-01"}]}},
     "warmline.education[0].start"),
    ({"warmline": {"links": [{"name": "x", "url": "javascript:alert(1)"}]}},
     "warmline.links[0].url"),
    ({"warmline": {"links": [{"name": "x", "url": "https://user:pw@host.example/"}]}},
     "warmline.links[0].url"),
    ({"warmline": {"links": [{"url": "https://a.example/"}]}}, "warmline.links[0].name"),
    ({"warmline": {"links": [{"name": "x", "url": "https://a.example/"}] * 11}},
     "warmline.links"),
    ({"warmline": {"connections_visibility": "everyone"}}, "warmline.connections_visibility"),
    ({"warmline": {"accepts_introductions": "maybe"}}, "warmline.accepts_introductions"),
    ({"warmline": {"hobbies": ["golf"]}}, "warmline.hobbies"),
    ({"warmline": ["headline"]}, "warmline"),
    ({"display_name": "x" * 101}, "display_name"),
    ({"display_name": 7}, "display_name"),
    ({"note": "x" * 5001}, "summary"),
    ({"locked": "perhaps"}, "locked"),
    ({"fields_attributes": [{"name": "a", "value": "b"}] * 9}, "fields"),
    ({"fields_attributes": "Website"}, "fields_attributes"),
    ({"fields_attributes": [{"name": "a", "value": 1}]}, "fields_attributes[0].value"),
    ({"avatar": "data:image/png;base64,AAAA"}, "avatar"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "field"), BAD, ids=[f for _, f in BAD])
async def test_every_refusal_is_a_422_naming_the_field(
    client: TestClient, token: str, body: dict[str, Any], field: str
) -> None:
    refused = await patch(client, token, 422, json=body)
    assert refused["error"] and refused["field"] == field
    me = await members.get_member(client.app[DB], "alice")
    assert me.skills == [] and me.headline == "" and me.display_name == "Alice Archer"


async def test_malformed_bodies_and_missing_tokens(client: TestClient, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    as_json = {**auth, "Content-Type": "application/json"}
    resp = await client.patch(PATH, data=b"{nope", headers=as_json)
    assert resp.status == 422 and "error" in await resp.json()
    resp = await client.patch(PATH, data=b"[1]", headers=as_json)
    assert resp.status == 422
    resp = await client.patch(PATH, data={"warmline[skills][]": "a", "warmline[skills][x]": "b"},
                              headers=auth)  # fmt: skip
    assert resp.status == 422 and "error" in await resp.json()
    resp = await client.patch(PATH, json={"display_name": "x"})
    assert resp.status == 401 and "error" in await resp.json()
    read_only = await tokens.create_token(client.app[DB], "alice", scopes="read")
    resp = await client.patch(
        PATH, json={"display_name": "x"}, headers={"Authorization": f"Bearer {read_only}"}
    )
    assert resp.status == 403 and "error" in await resp.json()


async def test_the_change_is_sent_to_followers_as_an_update(client: TestClient, token: str) -> None:
    db = client.app[DB]
    alice = await members.get_member(db, "alice")
    then = alice.created_at
    async with db.transaction() as conn:
        fan = await accounts_q.upsert_remote_account(
            conn,
            {"username": "fan", "domain": "b.test", "uri": "https://b.test/users/fan",
             "inbox_url": "https://b.test/users/fan/inbox",
             "shared_inbox_url": "https://b.test/inbox", "fields": [], "updated_at": then},
            new_id=db.new_id(),
        )  # fmt: skip
        await graph_q.insert_follow(
            conn,
            {"id": db.new_id(), "account_id": fan.id, "target_account_id": alice.id,
             "state": "accepted", "uri": "https://b.test/follows/1", "created_at": then},
        )  # fmt: skip
    await patch(client, token, json={"warmline": {"skills": ["Go"], "industry": "Energy"}})
    async with db.read() as conn:
        (payload,) = (await conn.execute(select(activities.c.payload))).scalars().all()
    update = json.loads(payload)
    assert update["type"] == "Update" and update["object"]["skills"] == ["Go"]
    assert update["object"]["industry"] == "Energy"
    assert {"type": "PropertyValue", "name": "Skills", "value": "Go"} in update["object"][
        "attachment"
    ]
