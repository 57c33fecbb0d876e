"""Body digests: the ``Digest`` header and RFC 9530 ``Content-Digest``.

A signature covers headers, not the body; the body is bound to the signature
only through a signed digest header. So a digest is only worth anything when
(1) the signature covers the header and (2) the header matches the bytes that
actually arrived. These helpers do (2); the signature code checks (1).

``Digest`` (RFC 3230 style, ``SHA-256=<base64>``) is what Mastodon sends and
requires with draft-cavage signatures. ``Content-Digest`` (RFC 9530,
``sha-256=:<base64>:``, a Structured Field Dictionary) goes with RFC 9421.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

import http_sf

from federation.errors import SignatureError

# Digest algorithm names (lower-case, as RFC 9530 registers them) -> hashlib names.
_HASHES = {"sha-256": "sha256", "sha-512": "sha512"}
# Header values this long are not digests; refuse before parsing.
_MAX_HEADER_CHARS = 2048


def make_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """``Digest`` header value, spelled ``SHA-256=...`` as Mastodon sends it."""
    return f"{algorithm.upper()}={_b64(_hash(algorithm, body))}"


def verify_digest(value: str, body: bytes) -> None:
    """Check a ``Digest`` header against ``body``; ``SignatureError`` if it does not match.

    Algorithm names are case-insensitive (``SHA-256`` and ``sha-256`` are both
    seen). Unknown algorithms in a list are ignored, but at least one known
    one must be present and every known one must match.
    """
    if len(value) > _MAX_HEADER_CHARS:
        raise SignatureError("Digest header is too long")
    checked = 0
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        if not sep:
            raise SignatureError("Digest header is malformed")
        name = name.strip().lower()
        if name not in _HASHES:
            continue
        try:
            expected = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SignatureError("Digest header value is not base64") from exc
        if not hmac.compare_digest(expected, _hash(name, body)):
            raise SignatureError("Digest header does not match the request body")
        checked += 1
    if not checked:
        raise SignatureError("Digest header has no SHA-256 or SHA-512 value")


def make_content_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """RFC 9530 ``Content-Digest`` value, e.g. ``sha-256=:<base64>:``."""
    return f"{algorithm.lower()}=:{_b64(_hash(algorithm, body))}:"


def verify_content_digest(value: str, body: bytes) -> None:
    """Check a ``Content-Digest`` header against ``body``; ``SignatureError`` on mismatch.

    Same policy as :func:`verify_digest`: unknown algorithms are ignored (RFC
    9530 allows that), at least one of sha-256/sha-512 must be present, and all
    present ones must match.
    """
    members = _parse_content_digest(value)
    checked = 0
    for name, member in members.items():
        if name not in _HASHES:
            continue
        expected = member[0] if isinstance(member, tuple) else member
        if not isinstance(expected, bytes):
            raise SignatureError(f"Content-Digest {name} value is not a byte sequence")
        if not hmac.compare_digest(expected, _hash(name, body)):
            raise SignatureError("Content-Digest header does not match the request body")
        checked += 1
    if not checked:
        raise SignatureError("Content-Digest header has no sha-256 or sha-512 value")


def _parse_content_digest(value: str) -> dict[str, object]:
    if len(value) > _MAX_HEADER_CHARS:
        raise SignatureError("Content-Digest header is too long")
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (http_sf.StructuredFieldError, ValueError, UnicodeError) as exc:
        raise SignatureError("Content-Digest header is not a structured dictionary") from exc
    if not isinstance(parsed, dict):
        raise SignatureError("Content-Digest header is not a structured dictionary")
    return parsed


def _hash(algorithm: str, body: bytes) -> bytes:
    try:
        name = _HASHES[algorithm.lower()]
    except KeyError:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}") from None
    return hashlib.new(name, body).digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
