"""Languages and certifications in the actor document: Warmline terms, and a readable field."""

from __future__ import annotations

from federation.jsonld import (
    WARMLINE_NS,
    WARMLINE_OUTPUT_CONTEXT,
    compact_inbound,
    compact_with_pyld,
)
from federation.profiles import (
    LANGUAGES_SHOWN,
    MAX_ATTACHMENTS,
    Profile,
    attachments,
    essential_fields,
    profile_properties,
)

LANGUAGES = [
    {"name": "French", "proficiency": "Native or bilingual proficiency"},
    {"name": "English", "proficiency": ""},
]
CERTIFICATIONS = [
    {
        "name": "Certified <Scrum> Master",
        "authority": "Scrum & Co",
        "url": "https://cert.example/1",
        "license": "AB-123",
        "start": "2020-01",
        "end": None,
    },
    {"name": "First aid", "authority": "", "url": "", "license": "", "start": None, "end": None},
]
ACTOR = "https://a.example/users/alice"


def test_languages_and_certifications_are_warmline_terms() -> None:
    props = profile_properties(Profile(languages=LANGUAGES, certifications=CERTIFICATIONS))
    assert props["languages"] == [
        {"type": "Language", "name": "French", "proficiency": "Native or bilingual proficiency"},
        {"type": "Language", "name": "English"},
    ]
    assert props["certifications"] == [
        {
            "type": "Certification",
            "name": "Certified <Scrum> Master",
            "authority": "Scrum & Co",
            "url": "https://cert.example/1",
            "licenseNumber": "AB-123",
            "startDate": "2020-01",
        },
        {"type": "Certification", "name": "First aid"},
    ]


def test_an_empty_profile_has_neither_term() -> None:
    props = profile_properties(Profile())
    assert "languages" not in props and "certifications" not in props
    assert all(name != "Languages" for name, _ in essential_fields(Profile()))


def test_other_software_sees_the_languages_as_a_field_after_the_members_own() -> None:
    profile = Profile(skills=["Go"], languages=[*LANGUAGES, {"name": "<b>Klingon</b>"}])
    fields = attachments([("Website", "https://alice.example")], profile)
    assert fields[0] == ("Website", "https://alice.example")
    assert fields[-1] == (
        "Languages",
        "French (Native or bilingual proficiency), English, &lt;b&gt;Klingon&lt;/b&gt;",
    )


def test_the_languages_field_never_crowds_out_the_members_own_fields() -> None:
    own = [(f"Field {i}", "x") for i in range(MAX_ATTACHMENTS - 1)]
    profile = Profile(headline="Founder", languages=LANGUAGES)
    fields = attachments(own, profile)
    assert fields[: len(own)] == own and len(fields) == MAX_ATTACHMENTS
    assert ("Languages", "French (Native or bilingual proficiency), English") not in fields
    full = attachments([(f"Field {i}", "x") for i in range(MAX_ATTACHMENTS)], profile)
    assert all(name.startswith("Field ") for name, _ in full)


def test_at_most_ten_languages_are_shown_in_the_field() -> None:
    many = [{"name": f"L{i}", "proficiency": ""} for i in range(25)]
    shown = dict(essential_fields(Profile(languages=many)))["Languages"]
    assert shown.split(", ") == [f"L{i}" for i in range(LANGUAGES_SHOWN)]


def _document(profile: Profile) -> dict[str, object]:
    return {"@context": WARMLINE_OUTPUT_CONTEXT, "id": ACTOR, "type": "Person",
            **profile_properties(profile)}  # fmt: skip


def test_the_terms_compact_back_the_same_on_both_paths() -> None:
    doc = _document(Profile(languages=LANGUAGES, certifications=CERTIFICATIONS))
    fast, slow = compact_inbound(doc), compact_with_pyld(doc)
    assert fast == slow
    assert fast["languages"] == doc["languages"]
    assert fast["certifications"] == doc["certifications"]
    single = _document(Profile(languages=LANGUAGES[:1], certifications=CERTIFICATIONS[1:]))
    assert compact_inbound(single) == compact_with_pyld(single)


def test_a_peer_spelling_the_full_iris_is_read_as_our_terms() -> None:
    doc = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": ACTOR,
        "type": "Person",
        f"{WARMLINE_NS}languages": [
            {
                "type": f"{WARMLINE_NS}Language",
                "name": "German",
                f"{WARMLINE_NS}proficiency": "Elementary",
            },
        ],
        f"{WARMLINE_NS}certifications": {
            "name": "PMP",
            f"{WARMLINE_NS}authority": "PMI",
            f"{WARMLINE_NS}licenseNumber": "42",
        },
    }
    out = compact_inbound(doc)
    assert out["languages"] == {"type": "Language", "name": "German", "proficiency": "Elementary"}
    assert out["certifications"] == {"name": "PMP", "authority": "PMI", "licenseNumber": "42"}
