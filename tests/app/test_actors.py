"""Actor documents: AS2 for peers, HTML for browsers, at the same URL."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from federation import keys as fkeys
from federation.jsonld import compact_inbound
from federation.validate import validate
from server.appkeys import DB
from server.store import accounts as q

AS2 = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


async def get_actor(client: TestClient, path: str = "/users/alice", accept: str = AS2) -> dict:
    resp = await client.get(path, headers={"Accept": accept})
    assert resp.status == 200, await resp.text()
    return await resp.json(content_type=None)


async def test_actor_document_has_every_field_peers_need(client: TestClient) -> None:
    doc = await get_actor(client)
    validate("actor", doc)
    base = "http://a.test/users/alice"
    assert doc["id"] == base and doc["type"] == "Person"
    assert doc["preferredUsername"] == "alice" and doc["name"] == "Alice Archer"
    assert doc["url"] == "http://a.test/@alice"
    assert doc["inbox"] == f"{base}/inbox" and doc["outbox"] == f"{base}/outbox"
    assert doc["followers"] == f"{base}/followers" and doc["following"] == f"{base}/following"
    assert doc["endpoints"] == {"sharedInbox": "http://a.test/inbox"}
    assert doc["manuallyApprovesFollowers"] is False and doc["discoverable"] is True
    assert doc["published"].endswith("Z")
    assert doc["attachment"] == []
    assert doc["icon"]["type"] == "Image" and doc["icon"]["url"].startswith("http://a.test/")
    assert "summary" in doc


async def test_actor_keys_are_the_stored_ones(client: TestClient) -> None:
    doc = await get_actor(client)
    async with client.app[DB].read() as conn:
        account = await q.get_local_account(conn, "alice")
        assert account is not None
        stored = {row.kind: row for row in await q.account_keys(conn, account.id)}
    key = doc["publicKey"]
    assert key == {
        "id": "http://a.test/users/alice#main-key",
        "owner": "http://a.test/users/alice",
        "publicKeyPem": stored["rsa"].public_pem,
    }
    (method,) = doc["assertionMethod"]
    assert method["type"] == "Multikey" and method["controller"] == doc["id"]
    assert method["id"] == "http://a.test/users/alice#ed25519-key"
    decoded = fkeys.multibase_to_public_key(method["publicKeyMultibase"])
    assert fkeys.public_key_to_pem(decoded) == stored["ed25519"].public_pem


async def test_actor_document_reads_back_through_our_own_jsonld(client: TestClient) -> None:
    doc = await get_actor(client)
    compact = compact_inbound(doc)
    assert compact["id"] == doc["id"]
    assert compact["manuallyApprovesFollowers"] is False
    assert compact["publicKey"]["publicKeyPem"] == doc["publicKey"]["publicKeyPem"]


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (AS2, "application/activity+json"),
        (LD, "application/ld+json"),
        ("application/json", "application/activity+json"),
    ],
)
async def test_as2_content_types(client: TestClient, accept: str, content_type: str) -> None:
    resp = await client.get("/users/alice", headers={"Accept": accept})
    assert resp.status == 200
    assert resp.content_type == content_type
    assert "Accept" in resp.headers["Vary"]


@pytest.mark.parametrize("path", ["/users/alice", "/@alice", "/users/ALICE"])
async def test_browsers_get_the_profile_page(client: TestClient, path: str) -> None:
    resp = await client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status == 200 and resp.content_type == "text/html"
    page = await resp.text()
    assert "Alice Archer" in page and "@alice@a.test" in page
    assert 'type="application/activity+json" href="http://a.test/users/alice"' in page


async def test_profile_url_also_serves_as2(client: TestClient) -> None:
    assert (await get_actor(client, "/@alice"))["id"] == "http://a.test/users/alice"


async def test_instance_actor(client: TestClient) -> None:
    doc = await get_actor(client, "/actor")
    validate("actor", doc)
    assert doc["id"] == "http://a.test/actor" and doc["type"] == "Application"
    assert doc["preferredUsername"] == "a.test"
    assert doc["publicKey"]["id"] == "http://a.test/actor#main-key"


@pytest.mark.parametrize("name", ["outbox", "followers", "following"])
async def test_collections_are_ordered_collections(client: TestClient, name: str) -> None:
    doc = await get_actor(client, f"/users/alice/{name}")
    assert doc["type"] == "OrderedCollection"
    assert doc["id"] == f"http://a.test/users/alice/{name}"
    assert doc["totalItems"] == 0


async def test_unknown_member_is_404_in_the_asked_format(client: TestClient) -> None:
    resp = await client.get("/users/nobody", headers={"Accept": AS2})
    assert resp.status == 404
    assert "nobody" in (await resp.json())["error"]
    resp = await client.get("/users/nobody", headers={"Accept": "text/html"})
    assert resp.status == 404 and resp.content_type == "text/html"
    assert "nobody" in await resp.text()


async def test_instance_actor_is_not_a_member_page(client: TestClient) -> None:
    resp = await client.get("/users/instance.actor", headers={"Accept": AS2})
    assert resp.status == 404


async def test_profile_changes_show_in_the_actor_and_the_page(client: TestClient) -> None:
    from server.services.members import ProfileChanges, update_profile

    changes = ProfileChanges(
        headline="Founder at Example Co",
        summary="Hello & welcome",
        location="Lyon",
        fields=[("Website", "https://alice.example")],
    )
    await update_profile(client.app[DB], "alice", changes)
    doc = await get_actor(client)
    validate("actor", doc)
    # The headline leads the summary and follows the member's own fields, for
    # software that ignores Warmline's terms.
    assert doc["summary"] == "<p>Founder at Example Co</p><p>Hello &amp; welcome</p>"
    assert doc["headline"] == "Founder at Example Co"
    assert doc["location"] == {"type": "Place", "name": "Lyon"}
    assert doc["attachment"] == [
        {"type": "PropertyValue", "name": "Website", "value": "https://alice.example"},
        {"type": "PropertyValue", "name": "Headline", "value": "Founder at Example Co"},
    ]
    assert compact_inbound(doc)["headline"] == "Founder at Example Co"
    page = await (await client.get("/@alice", headers={"Accept": "text/html"})).text()
    assert "Founder at Example Co" in page and "Lyon" in page and "Hello &amp; welcome" in page


@pytest.mark.parametrize("name", ["outbox", "followers", "following"])
async def test_the_instance_actors_collections_are_served_and_empty(
    client: TestClient, name: str
) -> None:
    doc = await get_actor(client, f"/actor/{name}")
    assert doc["id"] == f"http://a.test/actor/{name}" and doc["totalItems"] == 0


async def test_the_instance_actors_inbox_is_an_inbox(client: TestClient) -> None:
    resp = await client.post("/actor/inbox", data=b"{}", headers={"Content-Type": AS2})
    assert resp.status == 400  # an inbox that checks what it gets, not a 404
