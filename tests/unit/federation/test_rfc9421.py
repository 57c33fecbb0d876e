"""RFC 9421 HTTP Message Signatures: Appendix B vectors, round trips, tampering."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
    algorithms,
)

from federation.digest import make_content_digest
from federation.errors import SignatureError
from federation.httpsig import ParsedSignature, parse_request_signature, verify_parsed
from federation.keys import generate_ed25519, generate_rsa, load_private_pem, load_public_pem
from federation.rfc9421 import extract_rfc9421, sign_rfc9421

FIXTURES = Path(__file__).parents[2] / "fixtures"
RFC = FIXTURES / "rfc9421"

# --- RFC 9421 Appendix B ----------------------------------------------------------------------
B_URL = "https://example.com/foo?param=Value&Pet=dog"
B_BODY = b'{"hello": "world"}'
B_CREATED = datetime.fromtimestamp(1618884473, UTC)
# test-key-rsa-pss, RFC 9421 B.1.2 (public half; a published test key).
TEST_KEY_RSA_PSS_PUB = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""
B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
    '"content-length");created=1618884473;keyid="test-key-ed25519"'
)
B22_BASE = (
    '"@authority": example.com\n'
    '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNN'
    "yealdVLvRwEmTHWXvJwew==:\n"
    '"@query-param";name="Pet": dog\n'
    '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet")'
    ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"'
)


def read_headers(text: str) -> dict[str, str]:
    """Header lines of an HTTP message (or bare header lines) as a dict."""
    head = text.partition("\n\n")[0]
    lines = [line for line in head.splitlines() if ": " in line and not line.startswith("POST ")]
    return dict(line.split(": ", 1) for line in lines)


def b2_request(extra: str | None = None) -> dict[str, str]:
    headers = read_headers((RFC / "test-request.txt").read_text())
    if extra:
        headers.update(read_headers((RFC / extra).read_text()))
    return headers


def b26() -> dict[str, str]:
    return read_headers((RFC / "b26-ed25519-signed-request.txt").read_text())


def test_test_request_body_matches_its_content_digest() -> None:
    text = (RFC / "test-request.txt").read_text()
    assert text.partition("\n\n")[2].rstrip("\n").encode() == B_BODY
    assert b2_request()["Content-Digest"] == make_content_digest(B_BODY, "sha-512")


def test_b26_ed25519_verifies_and_rebuilds_the_published_base() -> None:
    parsed = extract_rfc9421("POST", B_URL, b26())
    assert parsed.base.decode() == B26_BASE
    assert (parsed.key_id, parsed.label, parsed.algorithm) == ("test-key-ed25519", "sig-b26", None)
    assert parsed.created == B_CREATED
    verify_parsed(parsed, load_public_pem((RFC / "test-key-ed25519.pub.pem").read_text()))


def test_b26_signing_the_same_base_reproduces_the_signature() -> None:
    parsed = extract_rfc9421("POST", B_URL, b26())
    private = load_private_pem((RFC / "test-key-ed25519.pem").read_text())
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    assert private.sign(parsed.base) == parsed.signature


def test_b26_policy_refuses_it_with_a_body_but_accepts_it_without() -> None:
    # B.2.6 leaves the body uncovered (no content-digest): fine only for an empty body.
    with pytest.raises(SignatureError, match="must cover content-digest"):
        parse_request_signature("POST", B_URL, b26(), B_BODY, now=B_CREATED)
    parsed = parse_request_signature("POST", B_URL, b26(), b"", now=B_CREATED)
    verify_parsed(parsed, load_public_pem((RFC / "test-key-ed25519.pub.pem").read_text()))


def test_b21_minimal_rsa_pss_verifies() -> None:
    parsed = extract_rfc9421("POST", B_URL, b2_request("b21-minimal-rsa-pss-headers.txt"))
    assert parsed.covered == ()
    assert parsed.base == (
        b'"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss"'
        b';nonce="b3k2pp5k7z-50gnwp.yemd"'
    )
    verify_parsed(parsed, load_public_pem(TEST_KEY_RSA_PSS_PUB))  # no alg: PSS is tried
    with pytest.raises(SignatureError, match="must cover @method"):
        parse_request_signature(
            "POST", B_URL, b2_request("b21-minimal-rsa-pss-headers.txt"), B_BODY, now=B_CREATED
        )


def test_b22_selective_rsa_pss_verifies_and_rebuilds_the_published_base() -> None:
    parsed = extract_rfc9421("POST", B_URL, b2_request("b22-selective-rsa-pss-headers.txt"))
    assert parsed.base.decode() == B22_BASE
    assert parsed.covered == ("@authority", "content-digest", '@query-param;name="Pet"')
    verify_parsed(parsed, load_public_pem(TEST_KEY_RSA_PSS_PUB))


def test_mastodon_docs_example() -> None:
    text = (FIXTURES / "mastodon/signed-request-rfc9421-docs.txt").read_text()
    headers = {**read_headers(text), "Content-Digest": make_content_digest(B_BODY)}
    url = "https://mastodon.example/users/username/inbox"
    with pytest.raises(SignatureError, match="Signature header is not a valid"):
        extract_rfc9421("POST", url, headers)  # the docs elide the signature value
    headers["Signature"] = "sig1=:AAAA:"
    parsed = extract_rfc9421("POST", url, headers)
    assert parsed.covered == ("@method", "@target-uri", "content-digest")
    assert parsed.key_id == "https://my.example.com/actor#main-key"
    assert parsed.created == datetime.fromtimestamp(1748341414, UTC)
    parse_request_signature("POST", url, headers, B_BODY, now=parsed.created)  # policy is met


# --- round trips ------------------------------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INBOX = "https://warm.example/users/alice/inbox"
KEY_ID = "https://remote.example/users/bob#main-key"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/bob"}'


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa()


@pytest.fixture(scope="module")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return generate_ed25519()


@pytest.fixture(params=["rsa_key", "ed_key"])
def key(request: pytest.FixtureRequest) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    return request.getfixturevalue(request.param)


def signed(
    key: object,
    method: str = "POST",
    url: str = INBOX,
    body: bytes | None = BODY,
    *,
    now: datetime = NOW,
) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    added = sign_rfc9421(method, url, headers, body, key_id=KEY_ID, private_key=key, now=now)  # type: ignore[arg-type]
    return {**headers, **added}


def parse(
    headers: Mapping[str, str],
    body: bytes | None = BODY,
    *,
    method: str = "POST",
    url: str = INBOX,
    now: datetime = NOW,
) -> ParsedSignature:
    return parse_request_signature(method, url, headers, body, now=now, max_skew_seconds=3600)


def test_round_trip_post(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> None:
    headers = signed(key)
    alg = "ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "rsa-v1_5-sha256"
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "@authority" "date" "content-digest")'
        f';created={int(NOW.timestamp())};keyid="{KEY_ID}";alg="{alg}"'
    )
    assert headers["Content-Digest"] == make_content_digest(BODY)
    assert headers["Date"] == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert headers["Signature"].startswith("sig1=:")
    parsed = parse(headers, now=NOW + timedelta(seconds=20))
    assert (parsed.scheme, parsed.key_id, parsed.algorithm) == ("rfc9421", KEY_ID, alg)
    verify_parsed(parsed, key.public_key())


def test_round_trip_get(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> None:
    url = "https://remote.example/users/bob?page=2"
    headers = signed(key, "GET", url, None)
    assert "Content-Digest" not in headers
    parsed = parse(headers, None, method="GET", url=url)
    assert parsed.covered == ("@method", "@target-uri", "@authority", "date")
    verify_parsed(parsed, key.public_key())


def test_custom_label_and_existing_date_and_digest(ed_key: ed25519.Ed25519PrivateKey) -> None:
    given = {
        "Date": "Sun, 01 Mar 2026 11:59:59 GMT",
        "Content-Digest": make_content_digest(BODY, "sha-512"),
    }
    added = sign_rfc9421(
        "POST", INBOX, given, BODY, key_id=KEY_ID, private_key=ed_key, now=NOW, label="fedi"
    )
    assert set(added) == {"Signature-Input", "Signature"}
    assert added["Signature-Input"].startswith("fedi=(")
    verify_parsed(parse({**given, **added}), ed_key.public_key())


def test_signing_refuses_a_content_digest_that_does_not_match(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    with pytest.raises(ValueError):
        sign_rfc9421(
            "POST",
            INBOX,
            {"Content-Digest": make_content_digest(b"x")},
            BODY,
            key_id=KEY_ID,
            private_key=ed_key,
        )


@dataclass
class LibraryRequest:
    """The shape http-message-signatures signs and verifies."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


def test_the_library_verifier_accepts_what_we_sign(
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
) -> None:
    algorithm = (
        algorithms.ED25519
        if isinstance(key, ed25519.Ed25519PrivateKey)
        else algorithms.RSA_V1_5_SHA256
    )
    request = LibraryRequest("POST", INBOX, signed(key, now=datetime.now(UTC)))
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithm,
        key_resolver=MappingKeyResolver(public_keys={KEY_ID: key.public_key()}, private_keys={}),
    )
    [result] = verifier.verify(request, body=BODY)
    assert result.parameters["keyid"] == KEY_ID


@pytest.mark.parametrize(
    "algorithm", [algorithms.ED25519, algorithms.RSA_V1_5_SHA256, algorithms.RSA_PSS_SHA512]
)
def test_we_accept_what_the_library_signs(
    rsa_key: rsa.RSAPrivateKey,
    ed_key: ed25519.Ed25519PrivateKey,
    algorithm: type[algorithms.HTTPSignatureAlgorithm],
) -> None:
    key = ed_key if algorithm is algorithms.ED25519 else rsa_key
    request = LibraryRequest("POST", INBOX, {"Date": "Sun, 01 Mar 2026 12:00:00 GMT"})
    signer = HTTPMessageSigner(
        signature_algorithm=algorithm,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: key}),
    )
    covered = ("@method", "@authority", "@path", "date")
    signer.sign(
        request, key_id=KEY_ID, created=NOW, covered_component_ids=covered, body=BODY, label="pyhms"
    )
    parsed = parse(request.headers)
    assert parsed.algorithm == algorithm.algorithm_id
    assert parsed.covered == (*covered, "content-digest")
    verify_parsed(parsed, key.public_key())


def test_fedify_parameter_order_is_kept_in_the_base(ed_key: ed25519.Ed25519PrivateKey) -> None:
    created = int(NOW.timestamp())
    headers = {
        "Host": "warm.example",
        "Date": "Sun, 01 Mar 2026 12:00:00 GMT",
        "Content-Digest": make_content_digest(BODY),
        "Signature-Input": (
            'sig1=("@method" "@target-uri" "@authority" "host" "date" "content-digest")'
            f';alg="ed25519";keyid="{KEY_ID}";created={created}'
        ),
    }
    base = (
        f'"@method": POST\n"@target-uri": {INBOX}\n"@authority": warm.example\n'
        f'"host": warm.example\n"date": Sun, 01 Mar 2026 12:00:00 GMT\n'
        f'"content-digest": {headers["Content-Digest"]}\n'
        f'"@signature-params": {headers["Signature-Input"][len("sig1=") :]}'
    )
    headers["Signature"] = f"sig1=:{base64.b64encode(ed_key.sign(base.encode())).decode()}:"
    parsed = parse(headers)
    assert parsed.base == base.encode()
    verify_parsed(parsed, ed_key.public_key())


def test_the_first_label_is_used_when_there_are_several(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = signed(ed_key)
    headers["Signature-Input"] += ', proxy=("@method");created=1;keyid="proxy"'
    headers["Signature"] += ", proxy=:AAAA:"
    verify_parsed(parse(headers), ed_key.public_key())


# --- tampering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PUT", INBOX),
        ("POST", INBOX.replace("alice", "mallory")),
        ("POST", INBOX + "?x=1"),
        ("POST", INBOX.replace("warm.example", "other.example")),
        ("POST", INBOX.replace("https", "http")),
    ],
)
def test_method_or_target_changed_is_refused(
    ed_key: ed25519.Ed25519PrivateKey, method: str, url: str
) -> None:
    parsed = parse(signed(ed_key), method=method, url=url)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parsed, ed_key.public_key())


def test_covered_date_changed_is_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = {**signed(ed_key), "Date": "Sun, 01 Mar 2026 12:00:01 GMT"}
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parse(headers), ed_key.public_key())


def test_body_changed_under_the_old_digest_is_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(SignatureError, match="Content-Digest header does not match"):
        parse(signed(ed_key), BODY.replace(b"bob", b"eve"))


def test_digest_forged_to_match_a_new_body_is_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    forged = BODY.replace(b"bob", b"eve")
    headers = {**signed(ed_key), "Content-Digest": make_content_digest(forged)}
    parsed = parse(headers, forged)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parsed, ed_key.public_key())


def test_unsigned_digest_for_an_added_body_is_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    headers = signed(ed_key, "GET", INBOX, None)  # covers no digest
    headers["Content-Digest"] = make_content_digest(BODY)
    with pytest.raises(SignatureError, match="must cover content-digest"):
        parse(headers, BODY, method="GET")


def test_wrong_key_is_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parse(signed(ed_key)), generate_ed25519().public_key())


@pytest.mark.parametrize("skew", [timedelta(hours=2), -timedelta(hours=2)])
def test_created_outside_the_window_is_refused(
    ed_key: ed25519.Ed25519PrivateKey, skew: timedelta
) -> None:
    with pytest.raises(SignatureError, match=r"too old|future"):
        parse(signed(ed_key, now=NOW + skew))


def test_algorithm_must_match_the_key_type(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    with pytest.raises(SignatureError, match="cannot be used with an RSA key"):
        verify_parsed(parse(signed(ed_key)), rsa_key.public_key())
    with pytest.raises(SignatureError, match="cannot be used with an Ed25519 key"):
        verify_parsed(parse(signed(rsa_key)), ed_key.public_key())


def signed_with(
    key: ed25519.Ed25519PrivateKey, inner: str, headers: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Headers carrying a valid Ed25519 signature over a hand-written Signature-Input."""
    request = LibraryRequest(
        "POST", INBOX, {"Date": "Sun, 01 Mar 2026 12:00:00 GMT", **(headers or {})}
    )
    request.headers["Signature-Input"] = f"sig1={inner}"
    request.headers["Signature"] = "sig1=:AAAA:"
    parsed = extract_rfc9421("POST", INBOX, request.headers)
    request.headers["Signature"] = f"sig1=:{base64.b64encode(key.sign(parsed.base)).decode()}:"
    return request.headers


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        (f'("@target-uri" "date");created={int(NOW.timestamp())};keyid="k"', "must cover @method"),
        (
            f'("@method" "@authority" "date");created={int(NOW.timestamp())};keyid="k"',
            "must cover @target-uri",
        ),
        ('("@method" "@target-uri" "date");keyid="k"', None),  # a covered Date is enough
        ('("@method" "@target-uri");keyid="k"', "needs a created parameter"),
        (
            f'("@method" "@target-uri");created={int(NOW.timestamp())}'
            f';expires={int(NOW.timestamp()) - 1};keyid="k"',
            "expired",
        ),
    ],
)
def test_policy_on_hand_written_inputs(
    ed_key: ed25519.Ed25519PrivateKey, inner: str, message: str | None
) -> None:
    headers = signed_with(ed_key, inner)
    if message is None:
        verify_parsed(parse(headers, b""), ed_key.public_key())
    else:
        with pytest.raises(SignatureError, match=message):
            parse(headers, b"")


def test_a_covered_stale_date_is_refused_even_with_a_fresh_created(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    inner = f'("@method" "@target-uri" "date");created={int(NOW.timestamp())};keyid="k"'
    headers = signed_with(ed_key, inner, {"Date": "Sun, 01 Mar 2026 09:00:00 GMT"})
    with pytest.raises(SignatureError, match="signed Date is too old"):
        parse(headers, b"")


def test_unknown_algorithm_is_refused() -> None:
    inner = f'("@method" "@target-uri");created={int(NOW.timestamp())};keyid="k";alg="hmac-sha256"'
    with pytest.raises(SignatureError, match="unsupported signature algorithm"):
        parse({"Signature-Input": f"sig1={inner}", "Signature": "sig1=:AAAA:"}, b"")


VALID_INPUT = f'("@method" "@target-uri");created={int(NOW.timestamp())};keyid="k"'
DIGEST_INPUT = (
    f'("@method" "@target-uri" "content-digest");created={int(NOW.timestamp())};keyid="k"'
)


@pytest.mark.parametrize(
    "headers",
    [
        {"Signature-Input": VALID_INPUT},
        {"Signature-Input": "garbage(", "Signature": "sig1=:AAAA:"},
        {"Signature-Input": f"sig1={VALID_INPUT}", "Signature": "other=:AAAA:"},
        {"Signature-Input": f"sig1={VALID_INPUT}", "Signature": "sig1=AAAA"},
        {"Signature-Input": f"sig1={VALID_INPUT}", "Signature": "sig1=::"},
        {"Signature-Input": "sig1=:AAAA:", "Signature": "sig1=:AAAA:"},
        {"Signature-Input": f"sig1={VALID_INPUT}, sig1={VALID_INPUT}", "Signature": "sig1=:AAAA:"},
        {"Signature-Input": 'sig1=("@method" "@target-uri");created=1', "Signature": "sig1=:AAAA:"},
        {"Signature-Input": 'sig1=("@method" "@target-uri");keyid=5', "Signature": "sig1=:AAAA:"},
        {
            "Signature-Input": 'sig1=("@method" "@target-uri");keyid="k";created="now"',
            "Signature": "sig1=:AAAA:",
        },
        {
            "Signature-Input": 'sig1=("@method" "@target-uri");keyid="k";created=999999999999999',
            "Signature": "sig1=:AAAA:",
        },
        {
            "Signature-Input": 'sig1=("@METHOD" "@target-uri");keyid="k";created=1',
            "Signature": "sig1=:AAAA:",
        },
        {
            "Signature-Input": 'sig1=("@method" "@method");keyid="k";created=1',
            "Signature": "sig1=:AAAA:",
        },
        {
            "Signature-Input": 'sig1=("@method" "@nope");keyid="k";created=1',
            "Signature": "sig1=:AAAA:",
        },
        {
            "Signature-Input": 'sig1=("@method" "x-missing");keyid="k";created=1',
            "Signature": "sig1=:AAAA:",
        },
        {"Signature-Input": 'sig1=("@method" 5);keyid="k";created=1', "Signature": "sig1=:AAAA:"},
        {
            "Signature-Input": 'sig1=("@method" "@query-param";name="nope");keyid="k";created=1',
            "Signature": "sig1=:AAAA:",
        },
        {
            "Signature-Input": 'sig1=("@method" "x-h");keyid="k";created=1',
            "Signature": "sig1=:AAAA:",
            "X-H": "caf\u00e9",
        },
        {
            "Signature-Input": f"sig1={DIGEST_INPUT}",
            "Signature": "sig1=:AAAA:",
            "Content-Digest": "x",
        },
        {
            "Signature-Input": "sig1=(" + " ".join(f'"x{i}"' for i in range(40)) + ');keyid="k"',
            "Signature": "sig1=:AAAA:",
        },
        {
            "Signature-Input": "sig1=" + VALID_INPUT + ";tag=" + "1" * 9000,
            "Signature": "sig1=:AAAA:",
        },
        {"Signature-Input": f"sig1={VALID_INPUT};nonce=5", "Signature": "sig1=:AAAA:"},
        {"Signature-Input": f"sig1={VALID_INPUT}\u00e9", "Signature": "sig1=:AAAA:"},
        {
            "Signature-Input": f"sig1={VALID_INPUT}",
            "Signature": "sig1=:AAAA:",
        },  # parses; cannot verify
    ],
)
def test_garbage_raises_signature_error_only(
    ed_key: ed25519.Ed25519PrivateKey, headers: dict[str, str]
) -> None:
    with pytest.raises(SignatureError):
        verify_parsed(parse(headers, b"", now=NOW), ed_key.public_key())


def test_a_url_the_resolver_cannot_read_is_refused(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(SignatureError):
        parse(signed(ed_key), url="https://warm.example/a path/with spaces")
