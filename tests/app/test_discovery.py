"""WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo served by one instance."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib.resources import files

import jsonschema
import pytest
from aiohttp.test_utils import TestClient

from federation.validate import validate
from federation.webfinger import parse_jrd

AS2 = "application/activity+json"


async def test_webfinger_acct_returns_a_jrd_with_self_and_profile_links(client: TestClient) -> None:
    resp = await client.get("/.well-known/webfinger", params={"resource": "acct:alice@a.test"})
    assert resp.status == 200
    assert resp.content_type == "application/jrd+json"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    jrd = await resp.json()
    validate("webfinger", jrd)
    assert jrd["subject"] == "acct:alice@a.test"
    links = {link["rel"]: link for link in jrd["links"]}
    assert links["self"] == {"rel": "self", "type": AS2, "href": "http://a.test/users/alice"}
    assert links["http://webfinger.net/rel/profile-page"]["href"] == "http://a.test/@alice"
    assert parse_jrd(jrd).subject == "acct:alice@a.test"


@pytest.mark.parametrize(
    "resource",
    [
        "acct:ALICE@a.test",
        "acct:@alice@a.test",
        "acct:alice%40a.test".replace("%40", "@"),
        "http://a.test/users/alice",
        "http://a.test/@alice",
        "http://a.test/users/alice/",
    ],
)
async def test_webfinger_accepts_every_form_of_the_resource(
    client: TestClient, resource: str
) -> None:
    resp = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["subject"] == "acct:alice@a.test"


async def test_webfinger_rel_filter(client: TestClient) -> None:
    resp = await client.get(
        "/.well-known/webfinger", params=[("resource", "acct:alice@a.test"), ("rel", "self")]
    )
    assert [link["rel"] for link in (await resp.json())["links"]] == ["self"]


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "resource"),
        ({"resource": ""}, 400, "resource"),
        ({"resource": "alice"}, 400, "acct:"),
        ({"resource": "acct:alice"}, 400, "acct:user@domain"),
        ({"resource": "acct:@a.test"}, 400, "acct:user@domain"),
        ({"resource": "ftp://a.test/users/alice"}, 400, "http"),
        ({"resource": "acct:nobody@a.test"}, 404, "nobody"),
        ({"resource": "acct:alice@elsewhere.test"}, 404, "not this server"),
        ({"resource": "http://elsewhere.test/users/alice"}, 404, "not this server"),
        ({"resource": "http://a.test/somewhere/else"}, 404, "no account"),
    ],
)
async def test_webfinger_errors_are_json_and_say_why(
    client: TestClient, params: dict[str, str], status: int, message: str
) -> None:
    resp = await client.get("/.well-known/webfinger", params=params)
    assert resp.status == status
    body = await resp.json()
    assert message in body["error"]


async def test_webfinger_finds_the_instance_actor_like_mastodon(client: TestClient) -> None:
    resp = await client.get("/.well-known/webfinger", params={"resource": "acct:a.test@a.test"})
    jrd = await resp.json()
    assert jrd["links"][0]["href"] == "http://a.test/actor"


async def test_host_meta_points_at_webfinger(client: TestClient) -> None:
    resp = await client.get("/.well-known/host-meta")
    assert resp.status == 200 and resp.content_type == "application/xrd+xml"
    root = ET.fromstring(await resp.text())
    link = root.find("{http://docs.oasis-open.org/ns/xri/xrd-1.0}Link")
    assert link is not None and link.get("rel") == "lrdd"
    assert link.get("template") == "http://a.test/.well-known/webfinger?resource={uri}"
    resp = await client.get("/.well-known/host-meta.json")
    assert (await resp.json())["links"][0]["template"].endswith("resource={uri}")


def official_nodeinfo_schema(version: str) -> dict:
    text = files("federation.schemas").joinpath(f"nodeinfo-{version}.schema.json").read_text()
    return json.loads(text)


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_follows_the_official_schema(client: TestClient, version: str) -> None:
    index = await (await client.get("/.well-known/nodeinfo")).json()
    rels = {link["rel"]: link["href"] for link in index["links"]}
    href = rels[f"http://nodeinfo.diaspora.software/ns/schema/{version}"]
    assert href == f"http://a.test/nodeinfo/{version}"
    resp = await client.get(f"/nodeinfo/{version}")
    assert resp.status == 200
    assert (
        f'profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
        in resp.headers["Content-Type"]
    )
    body = await resp.json()
    jsonschema.validate(body, official_nodeinfo_schema(version))
    assert body["software"]["name"] == "warmline"
    assert body["protocols"] == ["activitypub"]
    assert body["openRegistrations"] is True  # the default mode, approval, takes requests
    assert body["usage"]["users"] == {"total": 1, "activeMonth": 1, "activeHalfyear": 1}


async def test_nodeinfo_unknown_version_is_404_json(client: TestClient) -> None:
    resp = await client.get("/nodeinfo/9.9")
    assert resp.status == 404
    assert "error" in await resp.json()
