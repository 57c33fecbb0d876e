"""draft-cavage HTTP signatures: published vectors, a real Mastodon delivery, tampering."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from multidict import CIMultiDict

from federation.digest import make_digest
from federation.errors import SignatureError
from federation.httpsig import (
    ParsedSignature,
    cavage_signing_string,
    extract_cavage,
    parse_http_date,
    parse_request_signature,
    sign_bytes,
    sign_cavage,
    verify_parsed,
)
from federation.keys import (
    PrivateKey,
    generate_ed25519,
    generate_rsa,
    load_private_pem,
    load_public_pem,
)

FIXTURES = Path(__file__).parents[2] / "fixtures"

# --- draft-cavage-http-signatures-12, Appendix C ---------------------------------------
# The published "Test" key (1024-bit RSA; a public test key, never use it for anything).
TEST_PUBLIC_PEM = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
TEST_PRIVATE_PEM = """-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
"""
C_URL = "https://example.com/foo?param=value&pet=dog"
C_BODY = b'{"hello": "world"}'
C_NOW = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)
C_HEADERS = {
    "Host": "example.com",
    "Date": "Sun, 05 Jan 2014 21:31:40 GMT",
    "Content-Type": "application/json",
    "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "Content-Length": "18",
}
C1_SIGNATURE = (
    "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7"
    "q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="
)
C2_SIGNATURE = (
    "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe"
    "8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="
)
C3_SIGNATURE = (
    "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEU"
    "HFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="
)
C1_HEADER = f'keyId="Test",algorithm="rsa-sha256",signature="{C1_SIGNATURE}"'
C2_HEADER = (
    'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date", '
    f'signature="{C2_SIGNATURE}"'
)
C3_HEADER = (
    'keyId="Test",algorithm="rsa-sha256",'
    'headers="(request-target) host date content-type digest content-length",'
    f'signature="{C3_SIGNATURE}"'
)

# --- our own keys and requests ------------------------------------------------------------
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INBOX = "https://warm.example/users/alice/inbox"
KEY_ID = "https://remote.example/users/bob#main-key"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/bob"}'
GOOD_DATE = "Sun, 01 Mar 2026 12:00:00 GMT"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa()


@pytest.fixture(scope="module")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa()


@pytest.fixture(scope="module")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return generate_ed25519()


def signed(
    key: PrivateKey,
    method: str = "POST",
    url: str = INBOX,
    body: bytes | None = BODY,
    *,
    now: datetime = NOW,
    algorithm: str | None = None,
) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"} if body is not None else {}
    added = sign_cavage(
        method, url, headers, body, key_id=KEY_ID, private_key=key, now=now, algorithm=algorithm
    )
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


def with_signature(params: str) -> dict[str, str]:
    return {**C_HEADERS, "Signature": params}


# --- Appendix C vectors ------------------------------------------------------------------


def test_c1_default_test_signs_only_the_date() -> None:
    parsed = extract_cavage("POST", C_URL, with_signature(C1_HEADER))
    assert parsed.covered == ("date",)
    assert parsed.base == b"date: Sun, 05 Jan 2014 21:31:40 GMT"
    verify_parsed(parsed, load_public_pem(TEST_PUBLIC_PEM))
    # RSA PKCS#1 v1.5 is deterministic: our signer reproduces the published value.
    signature = sign_bytes(load_private_pem(TEST_PRIVATE_PEM), parsed.base)
    assert base64.b64encode(signature).decode() == C1_SIGNATURE


def test_c1_is_refused_by_policy_for_not_covering_the_target() -> None:
    with pytest.raises(SignatureError, match=r"\(request-target\)"):
        parse(with_signature(C1_HEADER), C_BODY, url=C_URL, now=C_NOW)


def test_c1_in_an_authorization_header() -> None:
    headers = {**C_HEADERS, "Authorization": f"Signature {C1_HEADER}"}
    parsed = extract_cavage("POST", C_URL, headers)
    verify_parsed(parsed, load_public_pem(TEST_PUBLIC_PEM))


def test_c2_basic_test_verifies_when_there_is_no_body_to_protect() -> None:
    # C.2 does not sign the digest, so it only stands for a request without a body.
    parsed = parse(with_signature(C2_HEADER), b"", url=C_URL, now=C_NOW)
    assert parsed.base == (
        b"(request-target): post /foo?param=value&pet=dog\n"
        b"host: example.com\n"
        b"date: Sun, 05 Jan 2014 21:31:40 GMT"
    )
    verify_parsed(parsed, load_public_pem(TEST_PUBLIC_PEM))


def test_c2_with_its_body_is_refused_for_not_covering_digest() -> None:
    with pytest.raises(SignatureError, match="digest"):
        parse(with_signature(C2_HEADER), C_BODY, url=C_URL, now=C_NOW)


def test_c3_all_headers_test_verifies_with_full_policy() -> None:
    parsed = parse(with_signature(C3_HEADER), C_BODY, url=C_URL, now=C_NOW)
    assert parsed.covered[-3:] == ("content-type", "digest", "content-length")
    verify_parsed(parsed, load_public_pem(TEST_PUBLIC_PEM))
    base = cavage_signing_string("POST", C_URL, C_HEADERS, parsed.covered)
    assert base == parsed.base
    signature = sign_bytes(load_private_pem(TEST_PRIVATE_PEM), base)
    assert base64.b64encode(signature).decode() == C3_SIGNATURE


def test_c3_outside_the_clock_window_is_refused() -> None:
    with pytest.raises(SignatureError, match="too old"):
        parse(with_signature(C3_HEADER), C_BODY, url=C_URL, now=C_NOW + timedelta(hours=2))


# --- a real Mastodon 2.5.0 delivery -----------------------------------------------------------


def mastodon_delivery() -> tuple[dict[str, str], bytes, datetime]:
    recorded = json.loads((FIXTURES / "mastodon/signed-inbox-post-cavage.fixture.json").read_text())
    body = (FIXTURES / "mastodon/signed-inbox-post-cavage.body.json").read_bytes()
    headers = recorded["headers"]
    return headers, body, parse_http_date(headers["date"])


def mastodon_key() -> rsa.RSAPublicKey:
    pem = json.loads((FIXTURES / "mastodon/signer-public-key.json").read_text())["publicKey"]
    key = load_public_pem(pem)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


MASTODON_URL = "http://localhost/accounts/ronan/inbox"


def test_mastodon_delivery_verifies() -> None:
    headers, body, date = mastodon_delivery()
    parsed = parse(headers, body, url=MASTODON_URL, now=date + timedelta(seconds=3))
    assert parsed.key_id == "http://localhost:3000/users/ronan2#main-key"
    assert parsed.covered == ("(request-target)", "host", "date", "digest", "content-type")
    verify_parsed(parsed, mastodon_key())


def test_mastodon_delivery_verifies_from_aiohttp_style_headers() -> None:
    headers, body, date = mastodon_delivery()
    multi = CIMultiDict((name.title(), value) for name, value in headers.items())
    verify_parsed(parse(multi, body, url=MASTODON_URL, now=date), mastodon_key())


def test_mastodon_delivery_with_one_changed_body_byte_is_refused() -> None:
    headers, body, date = mastodon_delivery()
    with pytest.raises(SignatureError, match="does not match the request body"):
        parse(headers, body.replace(b"ronan", b"ronam", 1), url=MASTODON_URL, now=date)


def test_mastodon_delivery_replayed_to_another_path_is_refused() -> None:
    headers, body, date = mastodon_delivery()
    parsed = parse(headers, body, url="http://localhost/accounts/other/inbox", now=date)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parsed, mastodon_key())


def test_mastodon_docs_example_with_elided_signature_is_refused_cleanly() -> None:
    text = (FIXTURES / "mastodon/signed-inbox-post-docs.txt").read_text()
    head, _, body = text.partition("\n\n")
    headers = dict(line.split(": ", 1) for line in head.splitlines()[1:])
    assert parse_http_date(headers["Date"]) == datetime(2019, 12, 18, 10, 8, 46, tzinfo=UTC)
    with pytest.raises(SignatureError):
        parse(headers, body.encode(), url="https://mastodon.example/users/username/inbox")


# --- round trips --------------------------------------------------------------------------------

KEYS_AND_ALGORITHMS = [
    ("rsa_key", "rsa-sha256"),
    ("rsa_key", "hs2019"),
    ("ed_key", "hs2019"),
    ("ed_key", None),
]


@pytest.mark.parametrize(("key_name", "algorithm"), KEYS_AND_ALGORITHMS)
def test_round_trip_post(
    request: pytest.FixtureRequest, key_name: str, algorithm: str | None
) -> None:
    key = request.getfixturevalue(key_name)
    headers = signed(key, algorithm=algorithm)
    assert headers["Host"] == "warm.example"
    assert headers["Date"] == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert headers["Digest"] == make_digest(BODY)
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]
    parsed = parse(headers, now=NOW + timedelta(seconds=30))
    assert (parsed.scheme, parsed.key_id) == ("cavage", KEY_ID)
    assert parsed.algorithm == (algorithm or "hs2019")
    verify_parsed(parsed, key.public_key())


@pytest.mark.parametrize(("key_name", "algorithm"), KEYS_AND_ALGORITHMS)
def test_round_trip_get(
    request: pytest.FixtureRequest, key_name: str, algorithm: str | None
) -> None:
    key = request.getfixturevalue(key_name)
    url = "https://remote.example/users/bob?page=2"
    headers = signed(key, "GET", url, None, algorithm=algorithm)
    assert "Digest" not in headers
    assert 'headers="(request-target) host date"' in headers["Signature"]
    parsed = parse(headers, None, method="GET", url=url)
    assert parsed.base.startswith(b"(request-target): get /users/bob?page=2\n")
    verify_parsed(parsed, key.public_key())


def test_rsa_default_algorithm_is_rsa_sha256(rsa_key: rsa.RSAPrivateKey) -> None:
    assert 'algorithm="rsa-sha256"' in signed(rsa_key)["Signature"]


def test_signing_keeps_the_callers_host_date_and_matching_digest(
    rsa_key: rsa.RSAPrivateKey,
) -> None:
    given = {
        "host": "warm.example",
        "date": "Sun, 01 Mar 2026 11:59:00 GMT",
        "digest": make_digest(BODY),
    }
    added = sign_cavage("POST", INBOX, given, BODY, key_id=KEY_ID, private_key=rsa_key, now=NOW)
    assert set(added) == {"Signature"}
    verify_parsed(parse({**given, **added}), rsa_key.public_key())


def test_signing_an_empty_post_still_signs_a_digest(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = sign_cavage("POST", INBOX, {}, None, key_id=KEY_ID, private_key=rsa_key, now=NOW)
    assert headers["Digest"] == make_digest(b"")
    verify_parsed(parse(headers, b""), rsa_key.public_key())


def test_signing_refuses_local_mistakes(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    with pytest.raises(ValueError):
        sign_cavage(
            "GET", INBOX, {}, None, key_id=KEY_ID, private_key=ed_key, algorithm="rsa-sha256"
        )
    with pytest.raises(ValueError):
        sign_cavage(
            "GET", INBOX, {}, None, key_id=KEY_ID, private_key=rsa_key, algorithm="hmac-sha256"
        )
    with pytest.raises(ValueError):
        sign_cavage(
            "POST", INBOX, {"Digest": make_digest(b"x")}, BODY, key_id=KEY_ID, private_key=rsa_key
        )
    with pytest.raises(ValueError):
        sign_cavage("GET", INBOX, {}, None, key_id='a"b', private_key=rsa_key)


def test_created_and_expires_pseudo_headers(ed_key: ed25519.Ed25519PrivateKey) -> None:
    created, expires = int(NOW.timestamp()), int(NOW.timestamp()) + 300
    covered = ["(request-target)", "(created)", "(expires)", "host", "digest"]
    headers = {"Host": "warm.example", "Digest": make_digest(BODY)}
    base = cavage_signing_string(
        "POST", INBOX, headers, covered, created=str(created), expires=str(expires)
    )
    signature = base64.b64encode(sign_bytes(ed_key, base)).decode()
    headers["Signature"] = (
        f'keyId="{KEY_ID}",algorithm="hs2019",created={created},expires={expires},'
        f'headers="{" ".join(covered)}",signature="{signature}"'
    )
    parsed = parse(headers)
    assert parsed.created == NOW and parsed.expires == NOW + timedelta(seconds=300)
    verify_parsed(parsed, ed_key.public_key())
    with pytest.raises(SignatureError, match="expired"):
        parse(headers, now=NOW + timedelta(seconds=301))


# --- tampering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Date", "Sun, 01 Mar 2026 12:00:01 GMT"),
        ("Content-Type", "text/plain"),
        ("Digest", make_digest(b"{}")),
        ("Host", "other.example"),
    ],
)
def test_each_covered_header_changed_is_refused(
    rsa_key: rsa.RSAPrivateKey, header: str, value: str
) -> None:
    headers = {**signed(rsa_key), header: value}
    url = INBOX.replace("warm.example", value) if header == "Host" else INBOX
    body = b"{}" if header == "Digest" else BODY
    parsed = parse(headers, body, url=url)  # policy alone cannot see these changes...
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parsed, rsa_key.public_key())  # ...the signature does


@pytest.mark.parametrize(
    ("method", "url"),
    [("PUT", INBOX), ("POST", INBOX.replace("alice", "mallory")), ("POST", INBOX + "?x=1")],
)
def test_request_target_changed_is_refused(
    rsa_key: rsa.RSAPrivateKey, method: str, url: str
) -> None:
    parsed = parse(signed(rsa_key), method=method, url=url)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parsed, rsa_key.public_key())


def test_body_changed_under_the_old_digest_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(SignatureError, match="Digest header does not match"):
        parse(signed(rsa_key), BODY.replace(b"bob", b"eve"))


def test_digest_forged_to_match_a_new_body_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    forged = BODY.replace(b"bob", b"eve")
    headers = {**signed(rsa_key), "Digest": make_digest(forged)}
    parsed = parse(headers, forged)
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parsed, rsa_key.public_key())


def test_unsigned_digest_for_an_added_body_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    covered = ["(request-target)", "host", "date"]  # a signature that leaves the body open
    headers = {"Host": "warm.example", "Date": GOOD_DATE}
    base = cavage_signing_string("POST", INBOX, headers, covered)
    signature = base64.b64encode(sign_bytes(rsa_key, base)).decode()
    headers["Signature"] = f'keyId="{KEY_ID}",headers="{" ".join(covered)}",signature="{signature}"'
    verify_parsed(parse(headers, b""), rsa_key.public_key())  # fine without a body
    headers["Digest"] = make_digest(BODY)  # an attacker adds a body and a matching digest
    with pytest.raises(SignatureError, match="must cover digest"):
        parse(headers, BODY)


def test_host_signed_for_another_server_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed(rsa_key, url="https://other.example/users/alice/inbox")
    with pytest.raises(SignatureError, match="not this server"):
        parse(headers)


def test_wrong_key_is_refused(rsa_key: rsa.RSAPrivateKey, other_rsa_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parse(signed(rsa_key)), other_rsa_key.public_key())


@pytest.mark.parametrize("skew", [timedelta(hours=2), -timedelta(hours=2)])
def test_date_outside_the_window_is_refused(rsa_key: rsa.RSAPrivateKey, skew: timedelta) -> None:
    with pytest.raises(SignatureError, match=r"too old|future"):
        parse(signed(rsa_key, now=NOW + skew))


def test_date_within_the_window_is_accepted(rsa_key: rsa.RSAPrivateKey) -> None:
    for skew in (timedelta(minutes=59), -timedelta(minutes=59)):
        verify_parsed(parse(signed(rsa_key, now=NOW + skew)), rsa_key.public_key())


@pytest.mark.parametrize(
    ("covered", "missing"),
    [
        ("host date digest", "(request-target)"),
        ("(request-target) date digest", "host"),
        ("(request-target) host digest", "date or (created)"),
        ("(request-target) host date", "digest"),
    ],
)
def test_missing_required_component_is_refused(
    rsa_key: rsa.RSAPrivateKey, covered: str, missing: str
) -> None:
    headers = {
        "Host": "warm.example",
        "Date": "Sun, 01 Mar 2026 12:00:00 GMT",
        "Digest": make_digest(BODY),
    }
    base = cavage_signing_string("POST", INBOX, headers, covered.split())
    signature = base64.b64encode(sign_bytes(rsa_key, base)).decode()
    headers["Signature"] = (
        f'keyId="{KEY_ID}",algorithm="rsa-sha256",headers="{covered}",signature="{signature}"'
    )
    verify_parsed(extract_cavage("POST", INBOX, headers), rsa_key.public_key())  # validly signed...
    with pytest.raises(SignatureError, match=re.escape(f"must cover {missing}")):
        parse(headers)  # ...but not enough


def test_algorithm_must_match_the_key_type(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    rsa_signed = parse(signed(rsa_key, algorithm="rsa-sha256"))
    with pytest.raises(SignatureError, match="cannot be used with an Ed25519 key"):
        verify_parsed(rsa_signed, ed_key.public_key())
    # An Ed25519 signature relabelled rsa-sha256 is never checked as Ed25519.
    headers = signed(ed_key)
    headers["Signature"] = headers["Signature"].replace("hs2019", "rsa-sha256")
    with pytest.raises(SignatureError, match="cannot be used with an Ed25519 key"):
        verify_parsed(parse(headers), ed_key.public_key())
    with pytest.raises(SignatureError, match="does not verify"):
        verify_parsed(parse(signed(ed_key)), rsa_key.public_key())


def test_unknown_algorithm_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    headers = signed(rsa_key)
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", "hmac-sha256")
    with pytest.raises(SignatureError, match="unsupported signature algorithm"):
        parse(headers)


FULL = "(request-target) host date digest"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer abc"},
        {"Signature": ""},
        {"Signature": "garbage"},
        {"Signature": 'keyId="x"'},
        {"Signature": f'keyId="x",headers="{FULL}",signature="!!!not base64!!!"'},
        {"Signature": 'keyId="a",keyId="b",signature="AAAA"'},
        {"Signature": 'keyId="x",signature="AAAA",headers=""'},
        {"Signature": 'keyId="x",signature="AAAA",headers="date date"'},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL}",created="soon"'},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL}",created=99999999999999999999'},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL} x-missing"'},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL} (created)"'},
        {"Signature": 'keyId="x", signature="AAAA", extra=unquoted'},
        {"Signature": 'keyId="x",signature="AAAA"' + ",a=1" * 3000},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL}"', "Date": "é"},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL}"', "Date": "yesterday"},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL}"', "Digest": "SHA-256=&&&"},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL}"', "Host": "warm.example:99999"},
        {"Signature": f'keyId="x",signature="AAAA",headers="{FULL}"'},  # parses; cannot verify
        {"Signature": f'keyId="x",signature="",headers="{FULL}"'},
        {"Signature": b"keyId"},  # type: ignore[dict-item]
        {"Signature": 'keyId="x",signature="AAAA"', "SIGNATURE": 'keyId="y",signature="AAAA"'},
    ],
)
def test_garbage_raises_signature_error_only(
    rsa_key: rsa.RSAPrivateKey, headers: dict[str, str]
) -> None:
    full = {"Host": "warm.example", "Date": GOOD_DATE, "Digest": make_digest(BODY), **headers}
    with pytest.raises(SignatureError):
        verify_parsed(parse(full, BODY), rsa_key.public_key())
