"""Every actor document in the fixtures (40+ servers) parses into an account."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from federation.jsonld import compact_inbound
from federation.validate import validate
from server.services.remote import parse_actor

FIXTURES = Path(__file__).parents[2] / "fixtures"
INDEX = (FIXTURES / "README.md").read_text()
ACTOR_TYPES = ("Person", "Service", "Application", "Group", "Organization")


def actor_fixtures() -> list[str]:
    names: list[str] = []
    for kind in ACTOR_TYPES:
        line = re.search(rf"^- {kind} \(\d+\): (.+)$", INDEX, re.MULTILINE)
        assert line, kind
        names += [n.strip() for n in line.group(1).split(",")]
    return names


def test_the_index_lists_all_fifty_six_actors() -> None:
    assert len(actor_fixtures()) == 56


@pytest.mark.parametrize("name", actor_fixtures())
def test_fixture_actor_parses(name: str) -> None:
    raw = json.loads((FIXTURES / name).read_text())
    validate("actor", raw)
    doc = compact_inbound(raw)
    parsed = parse_actor(doc, datetime.now(UTC))
    values = parsed.values
    assert values["uri"] == raw["id"]
    assert values["username"] and len(values["username"]) <= 64
    assert values["domain"] and "/" not in values["domain"]
    assert values["actor_type"] in ACTOR_TYPES
    assert "<script" not in values["summary"].lower()
    for kind, key_id, pem in parsed.keys:
        assert kind in ("rsa", "ed25519")
        assert key_id.split("#")[0].split("/")[2] == raw["id"].split("/")[2]
        assert pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_hostile_profile_html_is_sanitised() -> None:
    doc = {
        "id": "https://evil.example/users/x",
        "type": "Person",
        "inbox": "https://evil.example/users/x/inbox",
        "preferredUsername": "x<b>",
        "name": "<img src=x onerror=alert(1)>Eve",
        "summary": '<p onclick="steal()">Hi<script>alert(1)</script></p>',
        "attachment": [
            {
                "type": "PropertyValue",
                "name": "<i>Site</i>",
                "value": '<a href="javascript:x">y</a>',
            }
        ],
    }
    values = parse_actor(compact_inbound(doc), datetime.now(UTC)).values
    assert values["display_name"] == "Eve"
    assert values["summary"] == "<p>Hi</p>"
    assert values["fields"] == [
        {"name": "Site", "value": '<a rel="nofollow noopener noreferrer">y</a>'}
    ]


def test_keys_for_another_actor_or_origin_are_ignored() -> None:
    pem_text = json.loads((FIXTURES / "mastodon/signer-public-key.json").read_text())["publicKey"]
    doc = {
        "id": "https://a.example/users/x",
        "type": "Person",
        "inbox": "https://a.example/users/x/inbox",
        "publicKey": [
            {
                "id": "https://a.example/users/x#main-key",
                "owner": "https://a.example/users/x",
                "publicKeyPem": pem_text,
            },
            {
                "id": "https://b.example/users/y#main-key",
                "owner": "https://a.example/users/x",
                "publicKeyPem": pem_text,
            },
            {
                "id": "https://a.example/users/z#main-key",
                "owner": "https://a.example/users/z",
                "publicKeyPem": pem_text,
            },
        ],
    }
    parsed = parse_actor(compact_inbound(doc), datetime.now(UTC))
    assert [key_id for _, key_id, _ in parsed.keys] == ["https://a.example/users/x#main-key"]


def group_fixtures() -> list[str]:
    line = re.search(r"^- Group \(\d+\): (.+)$", INDEX, re.MULTILINE)
    assert line
    return [n.strip() for n in line.group(1).split(",")]


def test_the_index_lists_every_group_actor_in_the_fixtures() -> None:
    """Any fixture whose top-level type is Group (the index could miss a new one)."""
    found = []
    for path in sorted(FIXTURES.rglob("*.json")):
        doc = json.loads(path.read_text())
        kinds = doc.get("type") if isinstance(doc, dict) else None
        if "Group" in (kinds if isinstance(kinds, list) else [kinds]):
            found.append(path.relative_to(FIXTURES).as_posix())
    assert sorted(group_fixtures()) == found
    assert len(found) == 11


@pytest.mark.parametrize("name", group_fixtures())
def test_a_group_actor_is_read_as_a_group(name: str) -> None:
    """Lemmy communities, Guppe and GNU social groups, Mobilizon groups, Discourse
    and NodeBB categories, PeerTube channels, a WordPress blog: all Group, all
    joinable (an inbox to send the Follow to), with their key (GNU social's
    asset lists a key whose owner is another actor, /actor/2: not kept)."""
    raw = json.loads((FIXTURES / name).read_text())
    validate("actor", raw)
    parsed = parse_actor(compact_inbound(raw), datetime.now(UTC))
    values = parsed.values
    assert values["actor_type"] == "Group"
    assert values["inbox_url"] and values["inbox_url"].startswith("https://")
    assert values["username"] and values["display_name"]
    key = raw["publicKey"]
    expected = [key["id"]] if key["owner"] == raw["id"] else []
    assert [key_id for _, key_id, _ in parsed.keys] == expected
    assert len(expected) == (0 if name == "gnusocial/actor-group.json" else 1)
