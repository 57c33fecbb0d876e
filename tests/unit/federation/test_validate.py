"""federation.validate and schemas/: real documents pass, hostile ones fail readably."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from federation.errors import SchemaError
from federation.validate import KINDS, MAX_PROBLEMS, Validators, schema_directory, validate

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ACTOR_TYPES = ("Person", "Service", "Application", "Group", "Organization")
ACTIVITY_TYPES = {
    "Create", "Update", "Delete", "Follow", "Accept", "Reject", "Undo", "Like", "Dislike",
    "Announce", "Flag", "Block", "Move", "Add", "Remove", "EmojiReact",
}  # fmt: skip
NOT_AP = ("WebFinger", "NodeInfo", "recorded", "other")


def _index() -> dict[str, list[str]]:
    """fixtures/README.md "Index by document type": heading -> files."""
    text = (FIXTURES / "README.md").read_text(encoding="utf-8")
    section = text.split("## Index by document type", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"^- (.+?) \(\d+\): (.+)$", section, flags=re.MULTILINE)
    return {kind: [name.strip() for name in names.split(",")] for kind, names in found}


INDEX = _index()
ACTORS = sorted(f for kind in ACTOR_TYPES for f in INDEX[kind])
AP = [(kind.split("(")[0], files) for kind, files in INDEX.items() if not kind.startswith(NOT_AP)]
ACTIVITIES = sorted(f for kind, files in AP if kind in ACTIVITY_TYPES for f in files)
OBJECTS = sorted(f for kind, files in AP if kind not in ACTIVITY_TYPES for f in files)
WEBFINGER = sorted(
    f for kind, files in INDEX.items() if kind.startswith("WebFinger") for f in files
)
DISCOVERY = INDEX["NodeInfo discovery (/.well-known/nodeinfo)"]

# Real NodeInfo documents that break the official schema, and why. Code reading
# NodeInfo must treat a failure as "unknown details", never as an error.
NODEINFO_BROKEN = {
    "mastodon/nodeinfo-2.0-metadata-array.json": "$.metadata: should be an object, not an array",
    "mastodon/nodeinfo-2.0-minimal.json": "$: 'services' is a required property",
}
NODEINFO = [(version, name) for version in ("2.0", "2.1") for name in INDEX[f"NodeInfo {version}"]]

ACTOR = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": "https://a.example/users/alice",
    "type": "Person",
    "inbox": "https://a.example/users/alice/inbox",
    "publicKey": {
        "id": "https://a.example/users/alice#main-key",
        "owner": "https://a.example/users/alice",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n",
    },
}


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def problems_of(kind: str, doc: Any) -> list[str]:
    with pytest.raises(SchemaError) as caught:
        validate(kind, doc)
    assert len(str(caught.value)) < 400, "messages must not echo large values"
    assert caught.value.problems
    return caught.value.problems


def test_fixture_lists_are_complete() -> None:
    assert len(ACTORS) == 56
    assert len(WEBFINGER) == 14
    assert len(ACTIVITIES) + len(OBJECTS) > 140


@pytest.mark.parametrize("name", ACTORS)
def test_every_actor_fixture_is_a_valid_actor(name: str) -> None:
    validate("actor", load(name))


@pytest.mark.parametrize("name", ACTIVITIES)
def test_every_activity_fixture_is_a_valid_activity(name: str) -> None:
    validate("activity", load(name))
    validate("object", load(name))


@pytest.mark.parametrize("name", OBJECTS)
def test_every_object_fixture_is_a_valid_object(name: str) -> None:
    validate("object", load(name))


@pytest.mark.parametrize("name", WEBFINGER + DISCOVERY)
def test_every_webfinger_and_nodeinfo_discovery_fixture_is_a_valid_jrd(name: str) -> None:
    validate("webfinger", load(name))


@pytest.mark.parametrize(("version", "name"), NODEINFO)
def test_nodeinfo_fixtures_against_the_official_schema(version: str, name: str) -> None:
    kind = f"nodeinfo-{version}"
    if name in NODEINFO_BROKEN:
        assert NODEINFO_BROKEN[name] in problems_of(kind, load(name))
    else:
        validate(kind, load(name))


def nodeinfo(**changes: Any) -> dict[str, Any]:
    doc = load("mastodon/nodeinfo-2.0-4.1.0.json")
    doc.update(changes)
    return doc


def test_nodeinfo_string_booleans_are_rejected() -> None:
    # Akkoma has been seen sending "openRegistrations": "FALSE" (fixtures/README.md).
    problems = problems_of("nodeinfo-2.0", nodeinfo(openRegistrations="FALSE"))
    assert problems == ["$.openRegistrations: should be a boolean, not a string"]


def test_nodeinfo_active_half_year_spelling_is_rejected() -> None:
    # GoToSocial writes "activeHalfYear"; the schema says "activeHalfyear".
    doc = nodeinfo()
    doc["usage"] = {"users": {"total": 3, "activeHalfYear": 2}}
    [problem] = problems_of("nodeinfo-2.0", doc)
    assert problem.startswith("$.usage.users: ") and "activeHalfYear" in problem


# --- hostile and malformed actors -------------------------------------------------------------


def actor(**changes: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(ACTOR))
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def test_the_sample_actor_is_valid() -> None:
    validate("actor", ACTOR)


def test_actor_without_id() -> None:
    assert problems_of("actor", actor(id=None)) == ["$: 'id' is a required property"]


@pytest.mark.parametrize(
    "bad_id",
    [
        "alice",
        "/users/alice",
        "ftp://a.example/users/alice",
        "https://user:pw@a.example/users/alice",
        "https://a.example/users/al ice",
        "javascript:alert(1)",
    ],
)
def test_actor_id_must_be_an_absolute_http_uri(bad_id: str) -> None:
    [problem] = problems_of("actor", actor(id=bad_id))
    assert problem.startswith("$.id: ") and problem.endswith("is not an absolute http(s) URI")


def test_actor_id_of_the_wrong_json_type() -> None:
    assert problems_of("actor", actor(id=42)) == ["$.id: should be a string, not an integer"]


@pytest.mark.parametrize("kind", ["Note", "Tombstone", ["Note", "Thing"]])
def test_actor_type_must_be_an_actor_type(kind: Any) -> None:
    [problem] = problems_of("actor", actor(type=kind))
    assert problem.startswith("$.type: should")
    assert "Person" in problem


def test_a_type_list_naming_an_actor_type_is_fine() -> None:
    validate("actor", actor(type=["Person", "foaf:Agent"]))


def test_wrong_types_are_reported_with_their_path() -> None:
    problems = problems_of("actor", actor(inbox=["https://a.example/inbox"], summary={"x": 1}))
    assert problems == [
        "$.inbox: should be a string, not an array",
        "$.summary: should be a string or null, not an object",
    ]


def test_oversized_strings_are_rejected_without_echoing_them() -> None:
    huge = "x" * 70_000
    problems = problems_of("actor", actor(name=huge, preferredUsername=huge))
    assert "$.name: text is too long (more than 65536 characters)" in problems
    assert "$.preferredUsername: text is too long (more than 2048 characters)" in problems


def test_oversized_arrays_are_rejected() -> None:
    many = [{"type": "PropertyValue", "name": "n", "value": "v"}] * 1001
    assert problems_of("actor", actor(attachment=many)) == [
        "$.attachment: too many items (more than 1000)"
    ]


def test_public_keys_need_an_id_and_a_pem_and_an_iri_owner() -> None:
    key = {"id": "https://a.example/users/alice#k", "owner": "alice"}
    problems = problems_of("actor", actor(publicKey=[key]))
    assert problems == [
        "$.publicKey[0]: 'publicKeyPem' is a required property",
        '$.publicKey[0].owner: "alice" is not an absolute http(s) URI',
    ]


def test_at_most_max_problems_lines() -> None:
    doc = {f"k{n}": n for n in range(5)}
    doc.update(id="x", type=5, inbox=1, outbox=2, followers=3, following=4, liked=5)
    doc.update(featured=6, featuredTags=7, name=8, summary=9, preferredUsername=10)
    problems = problems_of("actor", doc)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].startswith("... and ") and problems[-1].endswith("more problems")


def test_a_document_that_is_not_an_object() -> None:
    assert problems_of("object", ["Note"]) == ["$: should be an object, not an array"]


# --- activities and webfinger -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"type": "Follow"}, "$: 'actor' is a required property"),
        ({"type": "Follow", "actor": "alice"}, '$.actor: "alice" is not an absolute http(s) URI'),
        ({"type": "Follow", "actor": {"type": "Person"}}, "$.actor: 'id' is a required property"),
        ({"type": "Follow", "actor": []}, "$.actor: too few items (fewer than 1)"),
        ({"actor": "https://a.example/u"}, "$: 'type' is a required property"),
    ],
)
def test_malformed_activities(doc: dict[str, Any], expected: str) -> None:
    assert expected in problems_of("activity", doc)


def test_activity_actor_may_be_an_object_or_a_list() -> None:
    validate("activity", {"type": "Like", "actor": {"id": "https://a.example/u"}, "object": "x"})
    validate(
        "activity", {"type": "Create", "actor": ["https://a.example/u", "https://b.example/v"]}
    )


def test_a_webfinger_link_needs_a_rel() -> None:
    jrd = {"subject": "acct:a@a.example", "links": [{"href": "https://a.example/u"}]}
    assert problems_of("webfinger", jrd) == ["$.links[0]: 'rel' is a required property"]


# --- the validator machinery ------------------------------------------------------------------


def test_validators_compile_lazily_and_once() -> None:
    validators = Validators()
    first = validators.validator("actor")
    assert validators.validator("actor") is first
    assert validators.is_valid("actor", ACTOR)
    assert not validators.is_valid("actor", {})


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown schema kind"):
        validate("person", ACTOR)


@pytest.mark.parametrize("kind", KINDS)
def test_every_schema_is_valid_for_its_metaschema(kind: str) -> None:
    schema = Validators().schema(kind)
    jsonschema.validators.validator_for(schema).check_schema(schema)
    assert schema.get("description")
    if kind.startswith("nodeinfo"):
        assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    else:
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"https://w3id.org/warmline/schemas/{kind}.json"


@pytest.mark.parametrize(("version", "chars"), [("2.0", 4983), ("2.1", 5273)])
def test_nodeinfo_schemas_are_the_official_text(version: str, chars: int) -> None:
    text = schema_directory().joinpath(f"nodeinfo-{version}.schema.json").read_text("utf-8")
    assert len(text) == chars  # the size of jhass/nodeinfo schemas/{version}/schema.json
    assert json.loads(text)["id"] == f"http://nodeinfo.diaspora.software/ns/schema/{version}#"


def test_schemas_are_found_as_package_resources() -> None:
    names = {entry.name for entry in schema_directory().iterdir()}
    assert {f"{kind}.schema.json" for kind in KINDS} <= names


def test_the_generated_validators_agree_with_jsonschema_on_every_fixture() -> None:
    """The fast generated check decides what is accepted; jsonschema explains refusals.
    They must agree, kind by kind, on every real-world document we have."""
    import fastjsonschema

    validators = Validators()
    compared = 0
    for path in sorted(FIXTURES.rglob("*.json")):
        try:
            doc = json.loads(path.read_text())
        except ValueError:
            continue
        for kind in KINDS:
            reference = validators.validator(kind).is_valid(doc)
            try:
                validators.fast(kind)(doc)
                fast = True
            except fastjsonschema.JsonSchemaException:
                fast = False
            assert fast == reference, (path.name, kind)
            compared += 1
    assert compared > 1000
