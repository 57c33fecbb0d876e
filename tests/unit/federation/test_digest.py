"""Digest (Mastodon) and Content-Digest (RFC 9530) headers."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation.digest import (
    make_content_digest,
    make_digest,
    verify_content_digest,
    verify_digest,
)
from federation.errors import SignatureError

FIXTURES = Path(__file__).parents[2] / "fixtures"
HELLO = b'{"hello": "world"}'
# draft-cavage-12 Appendix C and RFC 9421 Appendix B use this body and these digests.
HELLO_SHA256 = "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
HELLO_SHA512 = (
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNN"
    "yealdVLvRwEmTHWXvJwew==:"
)


def test_make_digest_matches_the_draft_cavage_example() -> None:
    assert make_digest(HELLO) == HELLO_SHA256


def test_make_content_digest_matches_the_rfc9421_example() -> None:
    assert make_content_digest(HELLO, "sha-512") == HELLO_SHA512
    assert make_content_digest(HELLO).startswith("sha-256=:")


def test_mastodon_delivery_digest_matches_its_body() -> None:
    body = (FIXTURES / "mastodon/signed-inbox-post-cavage.body.json").read_bytes()
    verify_digest("SHA-256=FEr5j2WSSfdEMcG3NTOXuGU0lUchfTJx4+BtUlWOwDk=", body)


@pytest.mark.parametrize(
    "value",
    [
        HELLO_SHA256,
        HELLO_SHA256.replace("SHA-256", "sha-256"),  # Mastodon's docs spell it this way
        f"unixsum=1234, {HELLO_SHA256}",  # unknown algorithms are skipped
        f"{HELLO_SHA256},{make_digest(HELLO, 'sha-512')}",
    ],
)
def test_verify_digest_accepts(value: str) -> None:
    verify_digest(value, HELLO)


@pytest.mark.parametrize(
    "value",
    [
        make_digest(b"something else"),
        f"{HELLO_SHA256},{make_digest(b'other', 'sha-512')}",  # every known one must match
        "MD5=Sd/dVLAcvNLSq16eXua5uQ==",  # nothing we trust
        "SHA-256=not base64!",
        "SHA-256",
        "",
        "SHA-256=" + "A" * 5000,
    ],
)
def test_verify_digest_rejects(value: str) -> None:
    with pytest.raises(SignatureError):
        verify_digest(value, HELLO)


@pytest.mark.parametrize(
    "value",
    [
        HELLO_SHA512,
        make_content_digest(HELLO),
        f"unixsum=30637, {make_content_digest(HELLO)}",
        f"{make_content_digest(HELLO)}, {HELLO_SHA512}",
    ],
)
def test_verify_content_digest_accepts(value: str) -> None:
    verify_content_digest(value, HELLO)


@pytest.mark.parametrize(
    "value",
    [
        make_content_digest(b"tampered"),
        f"{make_content_digest(HELLO)}, {make_content_digest(b'x', 'sha-512')}",
        "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",  # Digest syntax, not a byte seq
        "sha-256=(:AAAA:)",
        "unixsum=30637",
        "garbage!!",
        "",
        "sha-256=:é:",
    ],
)
def test_verify_content_digest_rejects(value: str) -> None:
    with pytest.raises(SignatureError):
        verify_content_digest(value, HELLO)


def test_unknown_algorithm_when_making_is_a_local_error() -> None:
    with pytest.raises(ValueError):
        make_digest(HELLO, "md5")
    with pytest.raises(ValueError):
        make_content_digest(HELLO, "sha-1")
