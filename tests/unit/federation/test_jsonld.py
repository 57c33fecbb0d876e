"""federation.jsonld: bundled contexts, the offline loader, compact_inbound() and its fast path."""

from __future__ import annotations

import copy
import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld

from federation import jsonld
from federation.errors import JsonLdError
from federation.jsonld import (
    WARMLINE_OUTPUT_CONTEXT,
    bundled_context_file,
    compact_inbound,
    compact_with_pyld,
    document_loader,
    try_fast_path,
)
from federation.vocab import AS_PUBLIC

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CONTEXTS = Path(jsonld.__file__).parent / "contexts"
ACTOR_TYPES = ("Person", "Service", "Application", "Group", "Organization")
NOT_AP = ("WebFinger", "NodeInfo", "recorded", "other")


def _index() -> dict[str, list[str]]:
    """fixtures/README.md "Index by document type": heading -> files."""
    text = (FIXTURES / "README.md").read_text(encoding="utf-8")
    section = text.split("## Index by document type", 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"^- (.+?) \(\d+\): (.+)$", section, flags=re.MULTILINE)
    return {kind: [name.strip() for name in names.split(",")] for kind, names in found}


INDEX = _index()
ACTORS = sorted(f for kind in ACTOR_TYPES for f in INDEX[kind])
AP_DOCUMENTS = sorted(
    f for kind, files in INDEX.items() if not kind.startswith(NOT_AP) for f in files
)


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def note(**fields: Any) -> dict[str, Any]:
    """A Mastodon-shaped Create(Note) with ``fields`` on the note."""
    obj = {"id": "https://m.example/n/1", "type": "Note", "content": "hi", **fields}
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", {"Hashtag": "as:Hashtag"}],
        "id": "https://m.example/n/1/activity",
        "type": "Create",
        "actor": "https://m.example/users/a",
        "object": obj,
    }


def test_the_index_lists_every_actor_and_activity_fixture() -> None:
    assert len(ACTORS) == 56
    assert len(AP_DOCUMENTS) > 140


# --- bundled contexts and the loader ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.w3.org/ns/activitystreams",
        "http://www.w3.org/ns/activitystreams",
        "https://www.w3.org/ns/activitystreams/",
        "https://www.w3.org/ns/activitystreams.jsonld",
        "https://WWW.W3.ORG/ns/activitystreams#",
    ],
)
def test_url_variants_resolve_to_the_same_bundled_file(url: str) -> None:
    assert bundled_context_file(url) == "activitystreams.jsonld"


def test_every_bundled_context_loads_and_processes() -> None:
    for name in sorted(p.name for p in CONTEXTS.glob("*.jsonld")):
        document = json.loads((CONTEXTS / name).read_text(encoding="utf-8"))
        assert "@context" in document, name
    urls = [
        "https://w3id.org/security/v1",
        "https://w3id.org/security/multikey/v1",
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/identity/v1",
        "https://purl.archive.org/socialweb/webfinger",
        "https://gotosocial.org/ns",
        "https://w3id.org/warmline/v1",
        "https://pleroma.example/schemas/litepub-0.1.jsonld",
    ]
    for url in urls:
        remote = document_loader(url)
        assert remote["documentUrl"] == url and remote["document"]["@context"], url
        doc = {"@context": ["https://www.w3.org/ns/activitystreams", url], "type": "Note"}
        assert compact_with_pyld(doc)["type"] == "Note", url


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/context.jsonld",
        "https://join-lemmy.org/context.json",
        "file:///etc/passwd",
        "ftp://w3id.org/security/v1",
        "not a url",
    ],
)
def test_unknown_contexts_resolve_to_an_empty_context(url: str) -> None:
    assert document_loader(url)["document"] == {"@context": {}}


def test_loader_returns_a_copy_callers_cannot_corrupt() -> None:
    first = document_loader("https://www.w3.org/ns/activitystreams")["document"]
    first["@context"]["Note"] = "https://evil.example/Note"
    again = document_loader("https://www.w3.org/ns/activitystreams")["document"]
    assert again["@context"]["Note"] == "as:Note"


def test_no_pyld_process_global_is_set() -> None:
    before = pyld.get_document_loader()
    compact_with_pyld(load("mastodon/create-note.json"))
    assert pyld.get_document_loader() is before
    assert pyld.get_document_loader() is not document_loader


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Make every way out of the process raise, and record attempts."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


UNKNOWN_CONTEXT_FIXTURES = [
    "pleroma/create-note.json",  # https://greenish.red/schemas/litepub-0.1.jsonld (bundled)
    "pleroma/actor-person.json",
    "lemmy/actor-group-live.json",  # https://join-lemmy.org/context.json
    "funkwhale/actor-person-live.json",  # https://funkwhale.audio/ns
    "kroeg/create-note-single-hashtag.json",  # https://puckipedia.com/-/context
]


@pytest.mark.parametrize("name", UNKNOWN_CONTEXT_FIXTURES)
def test_compaction_never_touches_the_network(no_network: list[Any], name: str) -> None:
    doc = load(name)
    assert compact_inbound(doc)["type"] == doc["type"]
    assert compact_with_pyld(doc)["type"] == doc["type"]
    assert no_network == []


def test_made_up_remote_contexts_are_not_fetched(no_network: list[Any]) -> None:
    contexts = [f"https://ctx{n}.example/ns" for n in range(5)] + ["http://10.0.0.1/c"]
    doc = {"@context": ["https://www.w3.org/ns/activitystreams", *contexts], **note()["object"]}
    assert compact_inbound(doc)["content"] == "hi"
    assert no_network == []


# --- compact_inbound on real documents -------------------------------------------------------


@pytest.mark.parametrize("name", ACTORS)
def test_every_actor_fixture_compacts(name: str) -> None:
    doc = load(name)
    compact = compact_inbound(doc)
    assert compact["id"] == doc["id"]
    assert compact["type"] == doc["type"]


@pytest.mark.parametrize("name", AP_DOCUMENTS)
def test_every_activity_and_object_fixture_compacts(name: str) -> None:
    doc = load(name)
    original = copy.deepcopy(doc)
    compact = compact_inbound(doc)
    assert doc == original, "compact_inbound must not modify its input"
    assert compact.get("id") == doc.get("id")
    assert compact["type"] == doc["type"].removeprefix("as:")
    assert "@context" not in compact


READ_FIELDS = ("id", "type", "actor", "object", "to", "cc", "attributedTo", "inReplyTo")
READ_FIELDS += ("content", "publicKey", "tag")


@pytest.mark.parametrize("name", ACTORS + AP_DOCUMENTS)
def test_fast_path_gives_what_pyld_gives(name: str) -> None:
    doc = load(name)
    fast = try_fast_path(doc)
    if fast is None:
        return  # declined: compact_inbound() uses pyld for it (coverage is checked below)
    slow = compact_with_pyld(doc)
    for field in READ_FIELDS:
        assert fast.get(field) == slow.get(field), field
    assert fast == slow


def test_the_fast_path_takes_most_real_documents() -> None:
    taken = [f for f in ACTORS + AP_DOCUMENTS if try_fast_path(load(f)) is not None]
    assert len(taken) >= 190  # of 260; the rest (scoped contexts, odd terms) go through pyld


def test_the_fast_path_covers_mastodon_traffic() -> None:
    mastodon = [f for f in AP_DOCUMENTS if f.startswith("mastodon/")]
    taken = [f for f in mastodon if try_fast_path(load(f)) is not None]
    assert "mastodon/create-note.json" in taken
    assert "mastodon/signed-inbox-post-cavage.body.json" in taken
    assert len(taken) >= len(mastodon) - 3


@pytest.mark.parametrize(
    "name",
    [
        "pasture/public-addressing-as-public.json",
        "pasture/public-addressing-bare-public.json",
        "pasture/public-addressing-full-iri.json",
        "ghost/update-note.json",
    ],
)
def test_every_spelling_of_public_becomes_the_full_iri(name: str) -> None:
    compact = compact_inbound(load(name))
    addressees = [compact.get("to"), compact.get("cc"), compact.get("object", {}).get("to")]
    flat = [a for value in addressees for a in (value if isinstance(value, list) else [value])]
    assert AS_PUBLIC in flat
    assert "as:Public" not in flat and "Public" not in flat


@pytest.mark.parametrize("spelling", ["as:Public", "Public", AS_PUBLIC])
def test_public_spellings_on_both_paths(spelling: str) -> None:
    doc = note(to=spelling, cc=[spelling, "https://m.example/users/a/followers"])
    doc["to"] = spelling
    for compact in (compact_inbound(doc), compact_with_pyld(doc)):
        assert compact["to"] == AS_PUBLIC
        assert compact["object"]["to"] == AS_PUBLIC
        assert compact["object"]["cc"] == [AS_PUBLIC, "https://m.example/users/a/followers"]


@pytest.mark.parametrize(
    ("name", "written"),
    [
        # a term the canonical context does not know: written as its full IRI
        ("misskey/create-note.json", "https://misskey-hub.net/ns#_misskey_content"),
        ("pixelfed/note-photo.json", "http://schema.org#Boolean"),  # commentsEnabled
        # Pleroma's conversation is @id-typed; the canonical one is not: {"id": ...}
        ("pleroma/create-note.json", "conversation"),
    ],
)
def test_terms_the_canonical_context_reads_otherwise_take_the_fast_path(
    name: str, written: str
) -> None:
    """Misskey, Pleroma/Akkoma and Pixelfed define terms of their own: the fast
    path asks pyld once per context how such a term is written, then writes it
    so itself (the door took ~3.5 ms per delivery of these through pyld)."""
    doc = load(name)
    fast = try_fast_path(doc)
    assert fast is not None
    assert fast == compact_with_pyld(doc)
    obj = fast.get("object", fast)
    assert written in obj or written in fast


def test_two_terms_written_as_one_are_left_to_pyld() -> None:
    doc = note(_misskey_content="a")
    doc["@context"] = [
        "https://www.w3.org/ns/activitystreams",
        {
            "_misskey_content": "https://misskey-hub.net/ns#_misskey_content",
            "mc": "https://misskey-hub.net/ns#_misskey_content",
        },
    ]
    doc["object"]["mc"] = "b"
    assert try_fast_path(doc) is None
    merged = compact_inbound(doc)["object"]["https://misskey-hub.net/ns#_misskey_content"]
    assert sorted(merged) == ["a", "b"]


def test_an_inline_context_is_read_the_same_whatever_its_key_order() -> None:
    """Inline contexts are remembered by their text as parsed (no prepared copy
    per delivery): the same terms in another order are another entry, same answer."""
    doc = load("mastodon/create-note.json")
    shuffled = copy.deepcopy(doc)
    shuffled["@context"][-1] = dict(reversed(list(doc["@context"][-1].items())))
    for version in (doc, shuffled, doc):
        assert try_fast_path(version) == compact_with_pyld(version)


def test_a_context_full_of_odd_terms_goes_to_pyld_in_one_pass() -> None:
    terms = {f"t{i}": f"https://x.example/ns#t{i}" for i in range(20)}
    doc = note(**{term: "v" for term in terms})
    doc["@context"] = ["https://www.w3.org/ns/activitystreams", terms]
    assert try_fast_path(doc) is None
    assert compact_inbound(doc)["object"]["https://x.example/ns#t19"] == "v"


def test_a_term_in_a_container_is_not_probed() -> None:
    doc = note(things=["a", "b"])
    doc["@context"] = [
        "https://www.w3.org/ns/activitystreams",
        {"things": {"@id": "https://x.example/ns#things", "@container": "@list"}},
    ]
    assert try_fast_path(doc) is None
    assert compact_inbound(doc)["object"]["https://x.example/ns#things"] == ["a", "b"]


def test_prefixed_types_and_terms_become_plain_terms() -> None:
    compact = compact_inbound(load("pasture/hashtag-as-prefixed-type.json"))
    assert compact["object"]["tag"]["type"] == "Hashtag"
    takahe = compact_inbound(load("takahe/actor-person.json"))
    assert takahe["discoverable"] is True and "toot:discoverable" not in takahe
    doc = {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {"toot": "http://joinmastodon.org/ns#"},
        ],
        "id": "https://m.example/users/a",
        "type": "as:Person",
        "toot:discoverable": True,
        "https://www.w3.org/ns/activitystreams#name": "A",
    }
    assert compact_inbound(doc) == {
        "id": "https://m.example/users/a",
        "type": "Person",
        "discoverable": True,
        "name": "A",
    }


def test_a_document_without_context_is_read_as_activitystreams() -> None:
    compact = compact_inbound(load("lemmy/create-page.json"))
    assert compact["type"] == "Create" and compact["object"]["type"] == "Page"
    assert compact["to"] == AS_PUBLIC


def test_terms_from_unknown_contexts_keep_their_plain_names() -> None:
    compact = compact_inbound(load("lemmy/actor-group-live.json"))
    assert compact["sensitive"] is False
    assert compact["postingRestrictedToMods"] is False


def test_a_default_language_does_not_wrap_plain_strings() -> None:
    doc = load("pleroma/create-note.json")
    assert {"@language": "und"} in doc["@context"]
    assert isinstance(compact_inbound(doc)["object"]["content"], str)


def test_an_invalid_term_definition_does_not_sink_the_document() -> None:
    doc = load("pixelfed/note-photo.json")  # "capabilities": {"announce": {...}} is not JSON-LD
    assert compact_inbound(doc)["type"] == "Note"


def test_a_null_id_inside_is_dropped_not_fatal() -> None:
    assert compact_inbound(load("bookwyrm/article-review.json"))["type"] == "Article"


def test_warmline_terms_are_read_back() -> None:
    person = {
        "@context": WARMLINE_OUTPUT_CONTEXT,
        "id": "https://w.example/users/a",
        "type": "Person",
        "headline": "CTO at Acme",
        "openTo": "mentoring",
        "skills": ["python", "sql"],
        "experience": [{"type": "Experience", "title": "CTO", "organization": "Acme"}],
    }
    fast = try_fast_path(person)
    assert fast is not None and fast == compact_with_pyld(person)
    assert fast["openTo"] == ["mentoring"] and fast["skills"] == ["python", "sql"]
    assert fast["experience"]["organization"] == "Acme"


@pytest.mark.parametrize(
    "doc",
    [
        {"@context": 5, "type": "Note"},
        {"@context": {"@vocab": 5}, "type": "Note"},
        {"@context": ["https://www.w3.org/ns/activitystreams"], "type": "Note", "id": {"x": 1}},
    ],
)
def test_unprocessable_documents_raise_jsonld_error(doc: dict[str, Any]) -> None:
    with pytest.raises(JsonLdError):
        compact_inbound(doc)


def test_a_non_object_raises_jsonld_error() -> None:
    with pytest.raises(JsonLdError):
        compact_inbound(["not", "an", "object"])  # type: ignore[arg-type]


@pytest.mark.parametrize("compact", [compact_inbound, compact_with_pyld])
def test_hostile_nesting_raises_jsonld_error(compact: Any) -> None:
    doc: dict[str, Any] = {"type": "Note", "content": "deep"}
    for _ in range(jsonld.MAX_DEPTH + 5):
        doc = {"type": "Note", "inReplyTo": doc}
    with pytest.raises(JsonLdError):
        compact({"@context": "https://www.w3.org/ns/activitystreams", **doc})


# --- the output context ----------------------------------------------------------------------


def test_output_context_names_only_bundled_urls_and_one_inline_object() -> None:
    *urls, inline = WARMLINE_OUTPUT_CONTEXT
    assert urls[:2] == ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
    assert "https://w3id.org/security/multikey/v1" in urls
    assert all(bundled_context_file(url) for url in urls)
    assert isinstance(inline, dict)
    for term in ("manuallyApprovesFollowers", "discoverable", "indexable", "featured", "Emoji"):
        assert term in inline
    assert inline["sensitive"] == "as:sensitive" and inline["Hashtag"] == "as:Hashtag"


def test_output_context_carries_the_terms_of_warmline_jsonld() -> None:
    published = json.loads((CONTEXTS / "warmline.jsonld").read_text(encoding="utf-8"))["@context"]
    inline = WARMLINE_OUTPUT_CONTEXT[-1]
    assert published["wl"] == "https://w3id.org/warmline/ns#"
    for term, definition in published.items():
        assert inline[term] == definition, term


def test_output_context_processes_and_is_left_untouched() -> None:
    before = copy.deepcopy(WARMLINE_OUTPUT_CONTEXT)
    doc = {"@context": WARMLINE_OUTPUT_CONTEXT, "id": "https://w.example/n", "type": "Note"}
    expanded = pyld.expand(doc, {"documentLoader": document_loader})
    assert expanded[0]["@type"] == ["https://www.w3.org/ns/activitystreams#Note"]
    compact_inbound(doc)
    assert before == WARMLINE_OUTPUT_CONTEXT
