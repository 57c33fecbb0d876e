"""Property-based tests of every federation parser of outside input.

The property is always the same: on any input the parser returns a
well-formed result or raises its documented error (SignatureError,
WebFingerError, SchemaError, JsonLdError, OriginError...), never another
exception. Inputs are random, built from each format's own pieces, or real
documents and real signatures with random edits.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from fuzzing import (  # noqa: F401 (the fixture leaves no JSON-LD state)
    FUZZ,
    FUZZ_LIGHT,
    _leave_no_jsonld_state,
    fixture_documents,
    json_objects,
    json_scalars,
    json_values,
    mutated,
    nested,
    outcome,
)
from hypothesis import given
from hypothesis import strategies as st

from federation.digest import (
    make_content_digest,
    make_digest,
    verify_content_digest,
    verify_digest,
)
from federation.errors import FederationError, JsonLdError, SchemaError, SignatureError
from federation.httpsig import (
    ParsedSignature,
    extract_cavage,
    http_date,
    parse_cavage,
    parse_request_signature,
    sign_cavage,
    verify_parsed,
)
from federation.inbox import check_origins, primary_type
from federation.jsonld import compact_inbound
from federation.rfc9421 import extract_rfc9421, parse_rfc9421, sign_rfc9421
from federation.validate import KINDS, validate
from federation.webfinger import (
    Handle,
    InvalidHandle,
    Jrd,
    WebFingerError,
    is_activitypub_type,
    parse_handle,
    parse_jrd,
)

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
URL = "https://warm.example/users/alice/inbox?page=1&x=%20y"
AUTHORITY = "warm.example"
BODY = b'{"type":"Follow"}'
KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEY_ID = "https://peer.example/users/bob#main-key"
SIGNER = "https://peer.example/users/bob"

# --- helpers ------------------------------------------------------------------------


def _text(alphabet: str, max_size: int = 40) -> st.SearchStrategy[str]:
    """Mostly text from a format's own alphabet, sometimes any text."""
    return st.text(alphabet=alphabet, max_size=max_size) | st.text(max_size=max_size)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@st.composite
def _edited(draw: st.DrawFn, value: str) -> str:
    """``value`` with one to three characters inserted, deleted or replaced."""
    chars = list(value)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(chars)))
        how = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from('",;:=()@ \t\r\n*?\\\x00é=:-_/') | st.characters())
        if how == "insert" or at == len(chars):
            chars.insert(at, char)
        elif how == "delete":
            del chars[at]
        else:
            chars[at] = char
    return "".join(chars)


_METHODS = st.sampled_from(["POST", "GET", "post", "PUT", "HEAD", "QUERY"])
_BODIES = st.sampled_from([BODY, b"", None]) | st.binary(max_size=40)

# --- draft-cavage ---------------------------------------------------------------------

_COVERED_NAMES = st.sampled_from(
    [
        "(request-target)", "host", "date", "digest", "(created)", "(expires)",
        "content-type", "x-missing", "(algorithm)", "Host", "DATE", "", "signature",
    ]
) | st.text(max_size=10)  # fmt: skip
_CAVAGE_VALUES = {
    "keyId": st.sampled_from([KEY_ID, "", "k"]) | st.text(max_size=20),
    "algorithm": st.sampled_from(["hs2019", "rsa-sha256", "RSA-SHA256", "ed25519", ""]),
    "headers": st.lists(_COVERED_NAMES, max_size=6).map(" ".join),
    "signature": st.sampled_from([_b64(b"x" * 64), "", "====", "a"])
    | st.binary(max_size=70).map(_b64)
    | st.text(max_size=20),
    "created": st.sampled_from(["1772366400", "0", "-1", "1e400", "99999999999999999999"])
    | st.integers().map(str)
    | st.floats(allow_nan=False).map(str),
    "expires": st.sampled_from(["1772366400", "1772370000", "0", "9" * 30])
    | st.integers().map(str),
}


@st.composite
def cavage_header(draw: st.DrawFn) -> str:
    names = draw(
        st.lists(st.sampled_from(sorted(_CAVAGE_VALUES)) | st.text(max_size=8), max_size=7)
    )
    parts = []
    for name in names:
        value = draw(_CAVAGE_VALUES.get(name, st.text(max_size=10)))
        quoted = draw(st.sampled_from(['"{}"', "{}", '"{}', "'{}'"])).format(value)
        parts.append(f"{name}{draw(st.sampled_from(['=', ' = ', '', '==']))}{quoted}")
    return draw(st.sampled_from([",", ", ", ",,", " ", ";"])).join(parts)


@st.composite
def request_headers(draw: st.DrawFn, signature: dict[str, str]) -> dict[str, str]:
    headers = dict(signature)
    headers["Host"] = draw(st.sampled_from([AUTHORITY, "WARM.example:443", "evil.example", ""]))
    headers["Date"] = draw(
        st.sampled_from([http_date(NOW), "Sun, 01 Mar 2026 11:00:00 GMT", "yesterday", ""])
        | st.text(max_size=30)
    )
    headers["Digest"] = draw(
        st.sampled_from([make_digest(BODY), make_digest(b""), "SHA-256=", "md5=abc"])
        | _text("SHA-256=+/abcdef,", 60)
    )
    headers["Content-Digest"] = draw(
        st.sampled_from([make_content_digest(BODY), "sha-256=:AAAA:", "sha-512=1"])
        | _text("sha-256=:+/abc,;", 60)
    )
    extra = draw(st.dictionaries(st.text(max_size=12), st.text(max_size=20), max_size=3))
    return {**extra, **headers} if draw(st.booleans()) else {**headers, **extra}


@FUZZ
@given(
    method=_METHODS,
    body=_BODIES,
    headers=cavage_header().flatmap(
        lambda sig: request_headers(
            {"Signature": sig} if len(sig) % 3 else {"Authorization": f"Signature {sig}"}
        )
    ),
)
def test_cavage_front_door(method: str, body: bytes | None, headers: dict[str, str]) -> None:
    parsed = outcome(
        SignatureError,
        lambda: parse_request_signature(method, URL, headers, body, now=NOW),
    )
    assert parsed is None or (parsed.scheme == "cavage" and isinstance(parsed.base, bytes))


@FUZZ
@given(method=_METHODS, body=_BODIES, sig=cavage_header(), data=st.data())
def test_cavage_parser_raises_only_signature_errors(
    method: str, body: bytes | None, sig: str, data: st.DataObject
) -> None:
    """Below the front door's catch-all: the parser itself must not need it."""
    headers = data.draw(request_headers({"signature": sig}))
    outcome(SignatureError, lambda: extract_cavage(method, URL, headers))
    outcome(
        SignatureError,
        lambda: parse_cavage(method, URL, headers, body or b"", now=NOW, max_skew_seconds=3600),
    )


# --- RFC 9421 -------------------------------------------------------------------------

_COMPONENTS = st.sampled_from(
    [
        '"@method"', '"@target-uri"', '"@authority"', '"@path"', '"@query"',
        '"@request-target"', '"@scheme"', '"@status"', '"@query-param";name="x"',
        '"@query-param";name="nope"', '"@query-param"', '"date"', '"content-digest"',
        '"content-type";sf', '"x-missing"', '"host";bs', '"date";req', '"DATE"',
        '"signature";key="sig1"', '"content-digest";key="sha-256"', '""', "@method",
        '"@signature-params"', '"date";tr', "1", "?1", ":AAAA:",
    ]
) | _text('"@-;=abcdefgh', 15)  # fmt: skip
_SIG_PARAMS = st.sampled_from(
    [
        'keyid="' + KEY_ID + '"', 'keyid=""', "keyid=1", 'alg="ed25519"', 'alg="hmac-sha256"',
        "created=1772366400", "created=1", "created=-99999999999999", "created=1.5",
        'created="1"', "expires=1772370000", "expires=1", 'nonce="n"', "nonce=1", "tag=?1",
        "keyid", "created=999999999999999",
    ]
) | _text("=;\"'abc0123", 15)  # fmt: skip


@st.composite
def signature_input(draw: st.DrawFn) -> dict[str, str]:
    label = draw(st.sampled_from(["sig1", "sig2", "Sig1", "1sig", "*x"]))
    items = " ".join(draw(st.lists(_COMPONENTS, max_size=7)))
    params = "".join(f";{p}" for p in draw(st.lists(_SIG_PARAMS, max_size=5)))
    members = [f"{label}=({items}){params}"]
    if draw(st.booleans()):
        members.append(draw(st.sampled_from(["sig2=()", "sig1=()", 'sig2="x"', "x"])))
    sig_label = draw(st.sampled_from([label, "sig1", "sig2"]))
    signature = draw(
        st.sampled_from([f"{sig_label}=:{_b64(b'x' * 64)}:", f"{sig_label}=::", f"{sig_label}=1"])
        | st.binary(max_size=70).map(lambda b: f"{sig_label}=:{_b64(b)}:")
        | _text(":=,;sig12AB+/", 40)
    )
    return {"Signature-Input": ", ".join(members), "Signature": signature}


@FUZZ
@given(method=_METHODS, body=_BODIES, headers=signature_input().flatmap(request_headers))
def test_rfc9421_front_door(method: str, body: bytes | None, headers: dict[str, str]) -> None:
    parsed = outcome(
        SignatureError,
        lambda: parse_request_signature(method, URL, headers, body, now=NOW),
    )
    assert parsed is None or (parsed.scheme == "rfc9421" and parsed.label)


@FUZZ
@given(method=_METHODS, body=_BODIES, sig=signature_input(), data=st.data())
def test_rfc9421_parser_raises_only_signature_errors(
    method: str, body: bytes | None, sig: dict[str, str], data: st.DataObject
) -> None:
    headers = data.draw(request_headers(sig))
    outcome(SignatureError, lambda: extract_rfc9421(method, URL, headers))
    outcome(
        SignatureError,
        lambda: parse_rfc9421(method, URL, headers, body or b"", now=NOW, max_skew_seconds=3600),
    )


# --- real signatures, edited ----------------------------------------------------------


def _signed(scheme: str) -> dict[str, str]:
    base = {"Content-Type": "application/activity+json"}
    sign = sign_cavage if scheme == "cavage" else sign_rfc9421
    return {**base, **sign("POST", URL, base, BODY, key_id=KEY_ID, private_key=KEY, now=NOW)}


def test_unedited_signatures_verify() -> None:
    for scheme in ("cavage", "rfc9421"):
        parsed = parse_request_signature("POST", URL, _signed(scheme), BODY, now=NOW)
        verify_parsed(parsed, KEY.public_key())


@st.composite
def edited_request(draw: st.DrawFn) -> dict[str, str]:
    headers = _signed(draw(st.sampled_from(["cavage", "rfc9421"])))
    for name in draw(st.lists(st.sampled_from(sorted(headers)), min_size=1, max_size=2)):
        headers[name] = draw(_edited(headers[name]))
    return headers


@FUZZ
@given(headers=edited_request(), body=st.sampled_from([BODY, BODY + b" "]))
def test_edited_real_signatures(headers: dict[str, str], body: bytes) -> None:
    parsed = outcome(
        SignatureError, lambda: parse_request_signature("POST", URL, headers, body, now=NOW)
    )
    if parsed is not None:
        assert isinstance(parsed, ParsedSignature)
        outcome(SignatureError, lambda: verify_parsed(parsed, KEY.public_key()))


# --- digests ---------------------------------------------------------------------------


@FUZZ
@given(
    value=st.sampled_from([make_digest(BODY), make_digest(BODY, "sha-512")]).flatmap(_edited)
    | _text("SHA-256=SHA-512+/=, abcdefAB", 80),
    body=st.sampled_from([BODY]) | st.binary(max_size=20),
)
def test_digest(value: str, body: bytes) -> None:
    outcome(SignatureError, lambda: verify_digest(value, body))


@FUZZ
@given(
    value=st.sampled_from(
        [make_content_digest(BODY), make_content_digest(BODY, "sha-512")]
    ).flatmap(_edited)
    | _text('sha-256=:sha-512+/=, ;"?1()abcAB', 80),
    body=st.sampled_from([BODY]) | st.binary(max_size=20),
)
def test_content_digest(value: str, body: bytes) -> None:
    outcome(SignatureError, lambda: verify_content_digest(value, body))


# --- WebFinger -------------------------------------------------------------------------

_MEDIA_TYPES = st.sampled_from(
    [
        "application/activity+json",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/ld+json",
        "text/html",
        "",
    ]
) | _text('application/+json; ="profile', 50)
_LINK = st.fixed_dictionaries(
    {},
    optional={
        "rel": st.sampled_from(["self", "http://webfinger.net/rel/profile-page"]) | json_values,
        "type": _MEDIA_TYPES | json_values,
        "href": st.sampled_from([SIGNER, "", "javascript:alert(1)"]) | json_values,
        "template": json_values,
        "properties": json_values,
    },
)
_JRD = st.fixed_dictionaries(
    {},
    optional={
        "subject": st.sampled_from(["acct:bob@peer.example"]) | json_values,
        "aliases": st.lists(st.text(max_size=20) | json_values, max_size=3)
        | json_scalars
        | json_values,
        "links": st.lists(_LINK | json_scalars | json_values, max_size=4) | json_scalars,
        "properties": st.dictionaries(st.text(max_size=8), json_values, max_size=3)
        | json_scalars
        | json_values,
    },
)


@FUZZ
@given(doc=_JRD | json_values)
def test_jrd_to_actor_url(doc: Any) -> None:
    """parse_jrd + Jrd.actor_url: what resolve_actor does with a fetched JRD."""
    jrd = outcome(WebFingerError, lambda: parse_jrd(doc))
    if jrd is None:
        return
    assert isinstance(jrd, Jrd)
    assert all(isinstance(alias, str) for alias in jrd.aliases)
    actor = jrd.actor_url()
    assert actor is None or (isinstance(actor, str) and actor)


@FUZZ
@given(media_type=_MEDIA_TYPES)
def test_is_activitypub_type(media_type: str) -> None:
    assert isinstance(is_activitypub_type(media_type), bool)


@FUZZ
@given(
    text=st.sampled_from(["bob@peer.example", "@Bob@Peer.Example:8443", "acct:b@[::1]:1"]).flatmap(
        _edited
    )
    | _text("@acct:[]0123456789.-_bücher%ABxn-", 30)
)
def test_parse_handle(text: str) -> None:
    handle = outcome(InvalidHandle, lambda: parse_handle(text))
    if handle is not None:
        assert isinstance(handle, Handle)
        assert parse_handle(handle.acct) == handle  # the normal form is a fixed point


# --- schema validation -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@FUZZ_LIGHT
@given(doc=json_values | json_objects)
def test_validate(kind: str, doc: Any) -> None:
    outcome(SchemaError, lambda: validate(kind, doc))


@FUZZ_LIGHT
@given(depth=st.integers(min_value=1, max_value=900), as_list=st.booleans())
def test_deeply_nested_documents(depth: int, as_list: bool) -> None:
    """As deep as json.loads lets a body through (the inbox refuses deeper)."""
    doc = {"type": "Create", "actor": SIGNER, "object": nested(depth, as_list=as_list)}
    for kind in KINDS:
        outcome(SchemaError, lambda kind=kind: validate(kind, doc))
    outcome(JsonLdError, lambda: compact_inbound(doc))


# --- activities: the inbox pipeline on real documents, edited ----------------------------

_SOFTWARE = (
    "mastodon", "akkoma", "pleroma", "misskey", "gotosocial", "lemmy", "peertube",
    "pixelfed", "friendica", "hubzilla", "fedify", "takahe", "pasture",
)  # fmt: skip
_DOCUMENTS = fixture_documents(*_SOFTWARE)


def _valid(kind: str, doc: dict[str, Any]) -> bool:
    return outcome(SchemaError, lambda: validate(kind, doc) or True) is not None


_ACTIVITIES = [doc for doc in _DOCUMENTS if _valid("activity", doc)]
_OBJECTS = [doc for doc in _DOCUMENTS if _valid("object", doc) or _valid("actor", doc)]


def test_there_are_real_documents_to_edit() -> None:
    assert len(_ACTIVITIES) >= 30 and len(_OBJECTS) >= 10


def _inbox(doc: dict[str, Any], signer: str) -> None:
    """What the inbox does with a body that parsed as JSON: validate, compact, check."""
    try:
        validate("activity", doc)
    except SchemaError:
        return
    compact = outcome(JsonLdError, lambda: compact_inbound(doc))
    if compact is None:
        return
    assert isinstance(compact, dict)
    actor = outcome(FederationError, lambda: check_origins(compact, signer))
    assert actor is None or actor == signer
    assert isinstance(primary_type(compact), str)


@FUZZ_LIGHT
@given(doc=mutated(_ACTIVITIES), data=st.data())
def test_inbox_pipeline_on_edited_activities(doc: dict[str, Any], data: st.DataObject) -> None:
    actors = [a for a in [doc.get("actor")] if isinstance(a, str)]
    signer = data.draw(st.sampled_from([*actors, SIGNER, "https://other.example/u"]))
    _inbox(doc, signer)


@FUZZ_LIGHT
@given(doc=mutated(_ACTIVITIES + _OBJECTS))
def test_compact_inbound_on_edited_documents(doc: dict[str, Any]) -> None:
    """compact_inbound promises JsonLdError even before (or without) validation."""
    compact = outcome(JsonLdError, lambda: compact_inbound(doc))
    assert compact is None or isinstance(compact, dict)


_CONTEXTS = st.sampled_from(
    [
        "https://www.w3.org/ns/activitystreams",
        ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        ["https://www.w3.org/ns/activitystreams", {"toot": "http://joinmastodon.org/ns#"}],
        "https://unknown.example/context",
        {"@vocab": "https://example.org/"},
        {"x": {"@id": "as:content", "@container": "@list"}},
        [None],
        {},
    ]
)


@FUZZ_LIGHT
@given(
    doc=json_objects,
    context=_CONTEXTS | json_values,
    kind=st.sampled_from(["Create", "Note", ["Create", "x"], "Person"]) | json_values,
)
def test_compact_inbound_on_random_documents(doc: dict[str, Any], context: Any, kind: Any) -> None:
    doc = {"@context": context, "type": kind, **doc}
    compact = outcome(JsonLdError, lambda: compact_inbound(doc))
    assert compact is None or isinstance(compact, dict)


_IRIS = st.sampled_from(
    [
        SIGNER, "https://peer.example/notes/1", "https://peer.example:443/x",
        "https://other.example/u", "http://peer.example/x", "", "peer.example", "https://[::1/",
        "https://peer.example:99999/", "//peer.example/x",
    ]
) | st.text(max_size=20)  # fmt: skip
_REF = (
    st.recursive(
        _IRIS,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.fixed_dictionaries(
                {},
                optional={
                    "id": inner,
                    "href": inner,
                    "type": st.sampled_from(["Note", "Person", "Follow", ["Note", "Person"]])
                    | json_values,
                    "actor": inner,
                    "attributedTo": inner,
                },
            )
        ),
        max_leaves=8,
    )
    | json_values
)


@FUZZ
@given(
    doc=st.fixed_dictionaries(
        {},
        optional={
            "id": _REF,
            "type": st.sampled_from(["Create", "Update", "Delete", "Undo", ["Undo", "Like"]])
            | st.lists(st.text(max_size=8), max_size=3)
            | json_values,
            "actor": _REF,
            "object": _REF,
        },
    ),
    signer=_IRIS,
)
def test_check_origins_and_primary_type(doc: dict[str, Any], signer: str) -> None:
    actor = outcome(FederationError, lambda: check_origins(doc, signer))
    assert actor is None or actor == signer
    assert isinstance(primary_type(doc), str)
