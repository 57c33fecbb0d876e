"""A professional profile on the wire: built into an actor, read back the same; hostile input."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from federation import keys as fkeys
from federation.builders import ActorInfo, ActorKeys, actor_document
from federation.errors import SchemaError
from federation.jsonld import compact_inbound, compact_with_pyld
from federation.profiles import Profile
from federation.validate import validate
from server.services.remote import parse_actor

BASE = "https://a.example/users/alice"
EXPERIENCE = [
    {
        "title": "Founder",
        "organization": "Example & Co",
        "start": "2021-03",
        "end": None,
        "description": "Building <bridges>\nbetween people.",
    },
    {
        "title": "Engineer",
        "organization": "Acme",
        "start": "2015-09-01",
        "end": "2021-02",
        "description": "",
    },
]
EDUCATION = [
    {"school": "Université de Lyon", "degree": "MSc", "field": "Physics", "start": "2010-09",
     "end": "2015-06"},
]  # fmt: skip
PROFILE = {
    "headline": "Founder at Example & Co",
    "industry": "Software",
    "location": "Lyon",
    "open_to": ["mentoring", "speaking"],
    "experience": EXPERIENCE,
    "education": EDUCATION,
    "skills": ["Python", "Negotiation", "ActivityPub"],
    "links": [{"name": "Blog", "url": "https://alice.example/blog"}],
    "accepts_introductions": False,
}
OWN_FIELDS = [("Website", "https://alice.example"), ("Pronouns", "she/her")]


def _keys() -> ActorKeys:
    rsa = fkeys.generate_rsa(2048)
    ed = fkeys.generate_ed25519()
    return ActorKeys(
        rsa_key_id=f"{BASE}#main-key",
        rsa_public_pem=fkeys.public_key_to_pem(rsa.public_key()),
        ed25519_key_id=f"{BASE}#ed25519-key",
        ed25519_multibase=fkeys.public_key_to_multibase(ed.public_key()),
    )


def build(connections: str | None = f"{BASE}/connections", **profile: Any) -> dict[str, Any]:
    values = {**PROFILE, **profile}
    location = values.pop("location")
    info = ActorInfo(
        id=BASE,
        type="Person",
        preferred_username="alice",
        name="Alice",
        summary_html="<p>About me.</p>",
        url="https://a.example/@alice",
        inbox=f"{BASE}/inbox",
        outbox=f"{BASE}/outbox",
        followers=f"{BASE}/followers",
        following=f"{BASE}/following",
        shared_inbox="https://a.example/inbox",
        keys=_keys(),
        published=datetime(2024, 1, 1, tzinfo=UTC),
        location=location,
        fields=OWN_FIELDS,
        profile=Profile(**values, connections=connections),
        updated=datetime(2025, 5, 1, tzinfo=UTC),
    )
    return actor_document(info)


def parsed(doc: dict[str, Any], *, pyld: bool = False, check: bool = True) -> dict[str, Any]:
    if check:
        validate("actor", doc)
    compacted = compact_with_pyld(doc) if pyld else compact_inbound(doc)
    return parse_actor(compacted, datetime.now(UTC)).values


@pytest.mark.parametrize("pyld", [False, True], ids=["fast-path", "pyld"])
def test_a_profile_round_trips(pyld: bool) -> None:
    doc = build()
    values = parsed(doc, pyld=pyld)
    for name, value in PROFILE.items():
        assert values[name] == value, name
    # The readable copies for other software are taken off again.
    assert values["fields"] == [{"name": n, "value": v} for n, v in OWN_FIELDS]
    assert values["summary"] == "<p>About me.</p>"
    assert values["warmline"] is True
    assert values["connections_url"] == f"{BASE}/connections"


def test_the_actor_shows_the_essentials_to_other_software() -> None:
    doc = build()
    assert doc["updated"] == "2025-05-01T00:00:00Z"
    assert doc["summary"] == "<p>Founder at Example &amp; Co</p><p>About me.</p>"
    shown = {a["name"]: a["value"] for a in doc["attachment"]}
    assert list(shown)[:2] == ["Website", "Pronouns"]  # the member's own fields first
    assert shown["Current role"] == "Founder at Example &amp; Co"
    assert shown["Open to"] == "Mentoring, Speaking"
    assert shown["Skills"] == "Python, Negotiation, ActivityPub"
    assert doc["experience"][0] == {
        "type": "Experience",
        "title": "Founder",
        "organization": "Example & Co",
        "startDate": "2021-03",
        "description": "Building <bridges>\nbetween people.",
    }
    assert doc["education"][0]["fieldOfStudy"] == "Physics"
    assert doc["links"] == [{"type": "Link", "name": "Blog", "href": "https://alice.example/blog"}]
    assert doc["acceptsIntroductions"] is False


def test_a_single_entry_and_an_empty_profile_round_trip() -> None:
    values = parsed(build(experience=EXPERIENCE[:1], education=[], skills=["Go"], links=[]))
    assert values["experience"] == EXPERIENCE[:1]
    assert values["education"] == [] and values["skills"] == ["Go"] and values["links"] == []
    empty = {k: type(v)() for k, v in PROFILE.items() if k != "accepts_introductions"}
    values = parsed(build(**empty))
    assert all(values[k] == v for k, v in empty.items())
    assert values["fields"] == [{"name": n, "value": v} for n, v in OWN_FIELDS]


def test_connections_elsewhere_do_not_make_a_warmline_peer() -> None:
    values = parsed(build(connections="https://evil.example/connections"))
    assert values["warmline"] is False and values["connections_url"] is None
    # Not a Warmline peer: nothing is taken off what others would show.
    assert len(values["fields"]) > len(OWN_FIELDS)


def test_hostile_and_malformed_profile_values_are_ignored() -> None:
    doc = build()
    doc.update(
        headline="\x00<script>x</script>" + "H" * 500,
        industry=["Finance\r\n", 3],
        openTo=["hiring", "world domination", "hiring", 7],
        experience=[
            "https://a.example/some-iri",
            {"type": "Experience"},  # no title
            {"type": "Experience", "title": "CTO", "startDate": "2020-13", "endDate": "yesterday"},
            {"type": "Experience", "title": "CEO", "startDate": "2022-01", "endDate": "2021-01"},
            {"type": "Experience", "title": {"nested": True}},
            None,
        ],
        education={"type": "Education", "school": " MIT\t", "startDate": 2010},
        skills=["Go", "go", " ", "", {"@value": "Rust"}, {"x": 1}, "s" * 300],
        links=[
            {"type": "Link", "name": "x", "href": "javascript:alert(1)"},
            {"type": "Link", "name": "ok", "href": "https://ok.example/"},
            {"type": "Link", "href": "https://no-name.example/"},
            "https://bare.example/",
        ],
        acceptsIntroductions="no",
    )
    values = parsed(doc, check=False)  # the parser holds even where the schema would not
    assert values["headline"] == ("<script>x</script>" + "H" * 500)[:200]  # text, not HTML
    assert values["industry"] == "Finance"
    assert values["open_to"] == ["hiring"]
    assert values["experience"] == [
        {"title": "CTO", "organization": "", "start": None, "end": None, "description": ""},
        {"title": "CEO", "organization": "", "start": "2022-01", "end": None, "description": ""},
    ]
    assert values["education"] == [
        {"school": "MIT", "degree": "", "field": "", "start": None, "end": None}
    ]
    assert values["skills"] == ["Go", "Rust", "s" * 80]
    assert values["links"] == [{"name": "ok", "url": "https://ok.example/"}]
    assert values["accepts_introductions"] is True


def test_hundreds_of_entries_are_cut_to_our_limits() -> None:
    many = [{"title": f"Job {i}", "organization": "X"} for i in range(100)]
    values = parsed(build(experience=many, skills=[f"skill {i}" for i in range(200)]))
    assert len(values["experience"]) == 30 and len(values["skills"]) == 50


@pytest.mark.parametrize(
    "changes",
    [
        {"acceptsIntroductions": "yes"},
        {"skills": ["x"] * 501},
        {"skills": ["x" * 3000]},
        {"headline": "x" * 3000},
        {"experience": [{"type": "Experience", "title": "x" * 3000}]},
        {"experience": 42},
        {"openTo": [1, 2]},
    ],
)
def test_the_schema_refuses_wrong_types_and_sizes(changes: dict[str, Any]) -> None:
    doc = copy.deepcopy(build())
    doc.update(changes)
    with pytest.raises(SchemaError):
        validate("actor", doc)


LANGUAGES = [
    {"name": "French", "proficiency": "Native or bilingual proficiency"},
    {"name": "English", "proficiency": ""},
]
CERTIFICATIONS = [
    {"name": "Certified <Scrum> Master", "authority": "Scrum & Co", "url": "https://c.example/1",
     "license": "AB-123", "start": "2020-01", "end": "2023-01"},
    {"name": "First aid", "authority": "", "url": "", "license": "", "start": None, "end": None},
]  # fmt: skip


@pytest.mark.parametrize("pyld", [False, True], ids=["fast-path", "pyld"])
def test_languages_and_certifications_round_trip(pyld: bool) -> None:
    doc = build(languages=LANGUAGES, certifications=CERTIFICATIONS)
    languages = "French (Native or bilingual proficiency), English"
    assert {"type": "PropertyValue", "name": "Languages", "value": languages} in doc["attachment"]
    validate("actor", doc)
    compacted = compact_with_pyld(doc) if pyld else compact_inbound(doc)
    parsed_actor = parse_actor(compacted, datetime.now(UTC))
    assert parsed_actor.extras == {"languages": LANGUAGES, "certifications": CERTIFICATIONS}
    values = parsed_actor.values
    assert "languages" not in values and "certifications" not in values  # not account columns
    # The generated "Languages" field is taken off with the other copies.
    assert values["fields"] == [{"name": n, "value": v} for n, v in OWN_FIELDS]


def test_a_profile_without_them_reads_as_empty_extras() -> None:
    extras = parse_actor(compact_inbound(build()), datetime.now(UTC)).extras
    assert extras == {"languages": [], "certifications": []}


def test_hostile_languages_and_certifications_are_cleaned_or_skipped() -> None:
    doc = build()
    doc.update(
        languages=[
            "Esperanto",  # a bare name is a language without a level
            {"name": "esperanto", "proficiency": "again"},  # the same language twice
            {"name": {"nested": 1}},
            {"proficiency": "no name"},
            {"name": "\x00Dutch\r\n" + "d" * 300, "proficiency": ["Fluent", 3]},
            None,
            7,
            *({"name": f"L{i}"} for i in range(100)),
        ],
        certifications=[
            {"name": "Evil", "url": "javascript:alert(1)", "startDate": "2020-13",
             "endDate": "never", "licenseNumber": {"x": 1}, "authority": 5},
            {"name": "Backwards", "startDate": "2022-01", "endDate": "2021-01",
             "url": {"type": "Link", "href": "https://ok.example/c"}},
            {"authority": "no name"},
            "https://bare.example/cert",
            *({"name": f"C{i}"} for i in range(300)),
        ],
    )  # fmt: skip
    extras = parse_actor(doc, datetime.now(UTC)).extras
    assert extras is not None
    languages, certs = extras["languages"], extras["certifications"]
    assert languages[0] == {"name": "Esperanto", "proficiency": ""}
    assert languages[1]["name"].startswith("Dutch dd") and len(languages[1]["name"]) <= 100
    assert languages[1]["proficiency"] == "Fluent"
    assert len(languages) == 20  # LinkedIn import's cap
    assert certs[0] == {"name": "Evil", "authority": "", "url": "", "license": "",
                        "start": None, "end": None}  # fmt: skip
    assert certs[1] == {"name": "Backwards", "authority": "", "url": "https://ok.example/c",
                        "license": "", "start": "2022-01", "end": None}  # fmt: skip
    assert certs[2]["name"] == "C0" and len(certs) == 50
    for wrong in (42, "French", {"name": "x"}, True):
        assert parse_actor({**doc, "languages": wrong, "certifications": wrong},
                           datetime.now(UTC)).extras is not None  # fmt: skip


@pytest.mark.parametrize(
    "changes",
    [
        {"languages": [{"type": "Language", "name": "x", "proficiency": "p" * 3000}]},
        {"certifications": [{"type": "Certification", "name": "x", "licenseNumber": "1" * 3000}]},
        {"certifications": 42},
        {"languages": [{"name": "x"}] * 201},
    ],
)
def test_the_schema_refuses_oversized_languages_and_certifications(
    changes: dict[str, Any],
) -> None:
    doc = copy.deepcopy(build())
    doc.update(changes)
    with pytest.raises(SchemaError):
        validate("actor", doc)
