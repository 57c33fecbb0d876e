"""federation.vocab readers: every loose AS2 shape reads the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from federation.jsonld import compact_inbound
from federation.vocab import (
    AS_PUBLIC,
    as_list,
    audience,
    first,
    get_id,
    get_ids,
    get_str,
    has_type,
    is_public,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ALICE = "https://a.example/users/alice"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("x", ["x"]),
        ({"id": "x"}, [{"id": "x"}]),
        ([], []),
        (["x", None, "y"], ["x", "y"]),
        (("x",), ["x"]),
        (0, [0]),
        (False, [False]),
    ],
)
def test_as_list(value: Any, expected: list[Any]) -> None:
    assert as_list(value) == expected


def test_first() -> None:
    assert first(None) is None
    assert first([]) is None
    assert first("x") == "x"
    assert first([None, "y", "z"]) == "y"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ALICE, ALICE),
        ({"id": ALICE, "type": "Person"}, ALICE),
        ({"type": "Link", "href": ALICE}, ALICE),
        ({"id": ALICE, "href": "https://other.example"}, ALICE),
        ([{"type": "Person"}, ALICE], ALICE),
        ([ALICE, "https://b.example/u"], ALICE),
        ("", None),
        ({"id": 5}, None),
        ({"name": "no id"}, None),
        (None, None),
        (42, None),
    ],
)
def test_get_id(value: Any, expected: str | None) -> None:
    assert get_id(value) == expected


def test_get_ids_keeps_order_and_skips_items_without_one() -> None:
    value = [ALICE, {"href": "https://b.example/u"}, {"name": "x"}, None, "", 3]
    assert get_ids(value) == [ALICE, "https://b.example/u"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hello", "hello"),
        (["hello", "world"], "hello"),
        ([None, 3, "x"], "x"),
        ({"@value": "hello", "@language": "en"}, "hello"),
        ({"en": "hello"}, None),
        (None, None),
        (3, None),
    ],
)
def test_get_str(value: Any, expected: str | None) -> None:
    assert get_str(value) == expected


@pytest.mark.parametrize(
    "addressing",
    [
        AS_PUBLIC,
        "as:Public",
        "Public",
        [ALICE, AS_PUBLIC],
        [{"id": AS_PUBLIC}],
        {"id": "as:Public"},
    ],
)
def test_is_public_for_every_spelling(addressing: Any) -> None:
    assert is_public(addressing)


@pytest.mark.parametrize(
    "addressing",
    [None, [], ALICE, [f"{ALICE}/followers"], "https://www.w3.org/ns/activitystreams", "public"],
)
def test_is_public_is_false_otherwise(addressing: Any) -> None:
    assert not is_public(addressing)


def test_audience_collects_every_addressing_field_once() -> None:
    doc = {
        "to": [AS_PUBLIC, ALICE],
        "cc": f"{ALICE}/followers",
        "bcc": [{"id": ALICE}],
        "audience": None,
    }
    assert audience(doc) == [AS_PUBLIC, ALICE, f"{ALICE}/followers"]


def test_has_type() -> None:
    assert has_type({"type": "Note"}, "Note", "Article")
    assert has_type({"type": ["Object", "Note"]}, "Note")
    assert not has_type({"type": "Note"}, "Article")
    assert not has_type("Note", "Note")
    assert not has_type({}, "Note")


@pytest.mark.parametrize(
    "name",
    [
        "pasture/public-addressing-as-public.json",
        "pasture/public-addressing-bare-public.json",
        "pasture/public-addressing-full-iri.json",
        "ghost/update-note.json",
        "mastodon/create-note.json",
    ],
)
def test_public_posts_read_as_public_raw_and_compacted(name: str) -> None:
    raw = load(name)
    for doc in (raw, compact_inbound(raw)):
        note = doc["object"] if isinstance(doc.get("object"), dict) else doc
        assert is_public(note.get("to")) or is_public(note.get("cc"))


def test_followers_only_post_is_not_public() -> None:
    doc = compact_inbound(load("gotosocial/create-note-followers-only.json"))
    assert not is_public(audience(doc))


def test_readers_absorb_the_shapes_of_real_documents() -> None:
    single = compact_inbound(load("gotosocial/actor-person-emoji.json"))
    assert [tag.get("type") for tag in as_list(single.get("tag"))] == ["Emoji"]
    bridgy = compact_inbound(load("bridgy-fed/actor-person.json"))  # icon: a one-item list
    assert first(bridgy["icon"])["url"] == "https://jk.nipponalba.scot/images/profile.jpg"
    accept = load("mastodon/accept-follow-embedded.json")
    compact = compact_inbound(accept)
    assert has_type(compact["object"], "Follow")
    assert get_id(compact["object"]) == accept["object"]["id"]
    assert get_id(compact["actor"]) == accept["actor"]
