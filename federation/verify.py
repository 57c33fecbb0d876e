"""Verify a signed request end to end: parse, look the key up, check the signature.

This is the one call the inbox (and authorized fetch) needs. Everything that is
wrong with the request raises :class:`~federation.errors.SignatureError` with a
message fit for the 401 body; problems finding the key are raised by the
:class:`~federation.ports.KeyLookup` itself (typically ``FetchError``), so the
caller can tell "you signed it wrong" from "we could not reach your server".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import serialization

from federation.errors import SignatureError
from federation.httpsig import ParsedSignature, Scheme, parse_request_signature, verify_parsed
from federation.ports import KeyLookup, PublicKeyInfo


@dataclass(frozen=True, slots=True)
class VerifiedRequest:
    """Who signed a request, and what their signature covers.

    ``signer`` is the actor that owns the key (``PublicKeyInfo.owner``): the
    only identity the signature vouches for. The caller must still check that
    it matches the activity's ``actor``. ``key_id`` is the key's canonical id
    as the lookup returned it.
    """

    key_id: str
    signer: str
    scheme: Scheme
    covered: tuple[str, ...]


async def verify_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    keys: KeyLookup,
    *,
    now: datetime | None = None,
    max_skew_seconds: float = 3600,
) -> VerifiedRequest:
    """Verify the request's signature (draft-cavage or RFC 9421).

    ``url`` is the absolute public URL of the request (see
    :func:`federation.httpsig.parse_request_signature`). If the signature does
    not verify with the key we have, the key is fetched once more with
    ``refresh=True`` (the actor may have rotated it) and checked again; a
    second failure is final. Rate-limiting such refreshes is the lookup's job.
    """
    parsed = parse_request_signature(
        method, url, headers, body, now=now, max_skew_seconds=max_skew_seconds
    )
    return await verify_parsed_request(parsed, keys)


async def verify_parsed_request(parsed: ParsedSignature, keys: KeyLookup) -> VerifiedRequest:
    """The second half of :func:`verify_request`, for callers that look at the
    parsed signature first (e.g. to refuse a blocked ``keyId`` host before any fetch)."""
    info = await keys.get_key(parsed.key_id)
    try:
        verify_parsed(parsed, info.public_key)
    except SignatureError as first_failure:
        fresh = await keys.get_key(parsed.key_id, refresh=True)
        if _same_key(info, fresh):
            raise first_failure from None
        verify_parsed(parsed, fresh.public_key)
        info = fresh
    return VerifiedRequest(
        key_id=info.key_id, signer=info.owner, scheme=parsed.scheme, covered=parsed.covered
    )


def _same_key(old: PublicKeyInfo, new: PublicKeyInfo) -> bool:
    """Whether a refetch changed nothing, so checking again would be pointless."""
    if old.owner != new.owner:
        return False
    try:
        return _spki(old) == _spki(new)
    except (ValueError, TypeError, AttributeError):
        return False


def _spki(info: PublicKeyInfo) -> bytes:
    return info.public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
