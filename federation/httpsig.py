"""HTTP signatures: draft-cavage-12 (as Mastodon uses it) and the shared front door.

Verification is split in two so the (async) key lookup can sit in between:

1. :func:`parse_request_signature` reads the signature headers, enforces our
   policy (what must be covered, clock window, digest matches the body) and
   rebuilds the exact bytes that were signed. No key is needed.
2. :func:`verify_parsed` checks those bytes against the signer's public key.

Both steps raise only :class:`~federation.errors.SignatureError`, whose message
is written for humans: it is returned verbatim in the 401 body.

RFC 9421 requests (those with ``Signature-Input``) are parsed by
:mod:`federation.rfc9421`; both schemes produce the same :class:`ParsedSignature`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from federation.digest import make_digest, verify_digest
from federation.errors import SignatureError
from federation.keys import (
    Primitive,
    PrivateKey,
    PublicKey,
    check_public_key,
    sign_bytes,
    verify_bytes,
)

Scheme = Literal["cavage", "rfc9421"]

CAVAGE_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
_MAX_SIGNATURE_HEADER = 8192
_MAX_COVERED = 32
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_PARAM = re.compile(r'\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([0-9]+(?:\.[0-9]+)?))\s*(?:,|$)')


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    """A signature that passed policy checks, with the exact bytes it claims to sign.

    ``algorithm`` is the declared algorithm, lower-cased for cavage; ``None``
    means RFC 9421 without ``alg`` (the key type decides). ``covered`` lists
    the covered components in signed order (RFC 9421 names without quotes,
    parameters appended, e.g. ``@query-param;name="Pet"``).
    """

    scheme: Scheme
    key_id: str
    algorithm: str | None
    covered: tuple[str, ...]
    base: bytes
    signature: bytes
    created: datetime | None = None
    expires: datetime | None = None
    label: str | None = None


# --- shared helpers (also used by federation.rfc9421) -------------------------------


class NormalizedHeaders(dict[str, str]):
    """Headers already through :func:`normalize_headers` (so they are not copied again)."""


def normalize_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Lower-case names, trimmed values, repeated fields joined with ``", "``.

    Accepts a plain dict or a multi-dict (aiohttp's ``CIMultiDictProxy``),
    whose ``items()`` yields every field line. The several parsing steps of
    one request share the first result.
    """
    if isinstance(headers, NormalizedHeaders):
        return headers
    out = NormalizedHeaders()
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise SignatureError("request header names and values must be text")
        key = name.strip().lower()
        value = value.strip()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def utc_now(now: datetime | None) -> datetime:
    """``now`` as an aware UTC datetime (the current time if ``None``)."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now.astimezone(UTC)


def http_date(moment: datetime) -> str:
    """IMF-fixdate, e.g. ``Sun, 05 Jan 2014 21:31:40 GMT``."""
    return format_datetime(utc_now(moment), usegmt=True)


@functools.lru_cache(maxsize=256)
def parse_http_date(value: str) -> datetime:
    """Parse a ``Date`` header leniently (peers omit the weekday, say ``+0000``).

    Cached: a busy inbox sees the same few Date values (one per second per
    sender clock) thousands of times, and the email parser is slow. A refusal
    is raised again each time (exceptions are not cached).
    """
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise SignatureError(f"the Date header {value[:64]!r} is not a valid HTTP date") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def check_window(moment: datetime, now: datetime, max_skew_seconds: float, what: str) -> None:
    """Refuse a timestamp further than ``max_skew_seconds`` from ``now`` either way."""
    skew = timedelta(seconds=max_skew_seconds)
    if now - skew <= moment <= now + skew:
        return
    when = f"{moment:%Y-%m-%d %H:%M:%S} UTC"  # formatted only for a refusal
    if moment > now:
        raise SignatureError(f"the {what} is too far in the future ({when})")
    raise SignatureError(f"the {what} is too old ({when}; {max_skew_seconds:g}s allowed)")


def check_expires(expires: datetime | None, now: datetime) -> None:
    """Refuse a signature whose own ``expires`` parameter has passed."""
    if expires is not None and expires < now:
        raise SignatureError(f"the signature expired at {expires:%Y-%m-%d %H:%M:%S UTC}")


def timestamp(value: float | int, what: str) -> datetime:
    """A UNIX timestamp parameter as an aware datetime."""
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureError(f"the signature's {what} parameter is out of range") from exc


def request_target(url: str) -> str:
    """Path and query as sent on the request line (``/`` for an empty path)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def url_authority(url: str) -> str:
    """``host[:port]`` of an absolute URL, lower-cased, default port dropped."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"not an absolute URL: {url!r}")
    return _normalize_host(parts.netloc.rpartition("@")[2], parts.scheme)


def _normalize_host(host: str, scheme: str) -> str:
    host = host.strip().lower()
    default = {"http": ":80", "https": ":443"}.get(scheme.lower())
    return host[: -len(default)] if default and host.endswith(default) else host


# --- draft-cavage: signing ---------------------------------------------------------


def cavage_signing_string(
    method: str,
    url: str,
    headers: Mapping[str, str],
    covered: Sequence[str],
    *,
    created: str | None = None,
    expires: str | None = None,
) -> bytes:
    """The draft-cavage signing string: one ``name: value`` line per covered item."""
    values = normalize_headers(headers)
    lines = []
    for name in covered:
        if name == "(request-target)":
            value = f"{method.lower()} {request_target(url)}"
        elif name in ("(created)", "(expires)"):
            value = created if name == "(created)" else expires
            if value is None:
                raise SignatureError(f"{name} is covered but the parameter is missing")
        elif name in values:
            value = values[name]
        else:
            raise SignatureError(f"the signed header {name!r} is missing from the request")
        lines.append(f"{name}: {value}")
    try:
        return "\n".join(lines).encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise SignatureError("a signed header value is not valid text") from exc


def sign_cavage(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey,
    now: datetime | None = None,
    algorithm: str | None = None,
) -> dict[str, str]:
    """Sign a request the way Mastodon does; return the headers to add.

    Adds ``Host`` and ``Date`` when absent, and ``Digest`` for requests with a
    body (or POST/PUT/PATCH: Mastodon insists on a signed digest for POST).
    ``algorithm`` defaults to ``rsa-sha256`` for RSA keys (what everyone
    accepts) and ``hs2019`` for Ed25519 keys (the only name that allows them).
    """
    algorithm = _cavage_sign_algorithm(private_key, algorithm)
    if '"' in key_id or "\n" in key_id:
        raise ValueError("key_id must not contain quotes or newlines")
    values = normalize_headers(headers)
    added: dict[str, str] = {}
    if "host" not in values:
        added["Host"] = url_authority(url)
    if "date" not in values:
        added["Date"] = http_date(utc_now(now))
    covered = ["(request-target)", "host", "date"]
    if body is not None or method.upper() in _BODY_METHODS:
        payload = body or b""
        if "digest" in values:
            try:
                verify_digest(values["digest"], payload)
            except SignatureError as exc:
                raise ValueError(f"the Digest header given does not match the body: {exc}") from exc
        else:
            added["Digest"] = make_digest(payload)
        covered.append("digest")
        if "content-type" in values:
            covered.append("content-type")
    merged = {**values, **{name.lower(): value for name, value in added.items()}}
    signature = sign_bytes(private_key, cavage_signing_string(method, url, merged, covered))
    added["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return added


def _cavage_sign_algorithm(private_key: PrivateKey, algorithm: str | None) -> str:
    is_rsa = isinstance(private_key, rsa.RSAPrivateKey)
    if algorithm is None:
        return "rsa-sha256" if is_rsa else "hs2019"
    if algorithm not in CAVAGE_ALGORITHMS:
        raise ValueError(f"unsupported draft-cavage algorithm {algorithm!r}")
    if algorithm == "rsa-sha256" and not is_rsa:
        raise ValueError("rsa-sha256 needs an RSA key; use hs2019 for Ed25519")
    return algorithm


# --- the front door: parse and policy --------------------------------------------


def parse_request_signature(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    now: datetime | None = None,
    max_skew_seconds: float = 3600,
) -> ParsedSignature:
    """Read and policy-check a request's signature; see the module docstring.

    ``url`` must be the absolute URL as this server is reached publicly (its
    path and query exactly as on the request line): RFC 9421 signs it, and for
    draft-cavage the signed ``Host`` must match it, so a request signed for
    another server cannot be replayed here. ``Signature-Input`` selects RFC
    9421; otherwise ``Signature`` (or ``Authorization: Signature``) is cavage.
    """
    moment = utc_now(now)
    payload = body or b""
    try:
        values = normalize_headers(headers)
        if "signature-input" in values:
            from federation import rfc9421  # rfc9421 builds on this module's helpers

            return rfc9421.parse_rfc9421(
                method, url, values, payload, now=moment, max_skew_seconds=max_skew_seconds
            )
        return parse_cavage(
            method, url, values, payload, now=moment, max_skew_seconds=max_skew_seconds
        )
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        # A parser corner we did not foresee must still be a clean 401, not a 500.
        raise SignatureError("the signature headers are malformed") from exc


def parse_cavage(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    max_skew_seconds: float,
) -> ParsedSignature:
    """draft-cavage parse plus Mastodon-compatible policy; see :func:`parse_request_signature`."""
    values = normalize_headers(headers)
    parsed = extract_cavage(method, url, values)
    covered = set(parsed.covered)
    for required in ("(request-target)", "host"):
        if required not in covered:
            raise SignatureError(f"the signature must cover {required}")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("the signature must cover date or (created)")
    if body and "digest" not in covered:
        raise SignatureError("the request has a body, so the signature must cover digest")
    _check_host(url, values["host"])
    if "date" in covered:
        check_window(parse_http_date(values["date"]), now, max_skew_seconds, "signed Date")
    if parsed.created is not None:
        check_window(parsed.created, now, max_skew_seconds, "signature creation time")
    check_expires(parsed.expires, now)
    if "digest" in covered:
        verify_digest(values["digest"], body)
    return parsed


def extract_cavage(method: str, url: str, headers: Mapping[str, str]) -> ParsedSignature:
    """Parse a cavage signature and rebuild its signing string, with NO policy checks.

    Only for tests and tools: never trust a signature parsed this way without
    the checks in :func:`parse_cavage`.
    """
    values = normalize_headers(headers)
    params = _cavage_params(_cavage_header(values))
    key_id = params.get("keyid")
    signature_b64 = params.get("signature")
    if not key_id or not signature_b64:
        raise SignatureError("the Signature header needs both keyId and signature")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in CAVAGE_ALGORITHMS:
        raise SignatureError(f"unsupported signature algorithm {algorithm[:32]!r}")
    # No headers parameter means "date": what Mastodon and draft-cavage before -11 do.
    covered = tuple(params.get("headers", "date").lower().split())
    if not covered or len(covered) > _MAX_COVERED or len(set(covered)) != len(covered):
        raise SignatureError("the signature's headers list is empty, too long or repeats a name")
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("the signature value is not base64") from exc
    created, expires = params.get("created"), params.get("expires")
    return ParsedSignature(
        scheme="cavage",
        key_id=key_id,
        algorithm=algorithm,
        covered=covered,
        base=cavage_signing_string(method, url, values, covered, created=created, expires=expires),
        signature=signature,
        created=_param_time(created, "created"),
        expires=_param_time(expires, "expires"),
    )


def _param_time(value: str | None, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        return timestamp(float(value), what)
    except ValueError as exc:
        raise SignatureError(f"the signature's {what} parameter is not a number") from exc


def _cavage_header(values: Mapping[str, str]) -> str:
    raw = values.get("signature")
    if raw is None:
        scheme, _, rest = values.get("authorization", "").partition(" ")
        raw = rest if scheme.lower() == "signature" else None
    if raw is None:
        raise SignatureError("the request is not signed (no Signature header)")
    if len(raw) > _MAX_SIGNATURE_HEADER:
        raise SignatureError("the Signature header is too long")
    return raw


def _cavage_params(raw: str) -> dict[str, str]:
    """``keyId="...",algorithm="...",...`` as a dict with lower-cased names."""
    params: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        match = _PARAM.match(raw, pos)
        if match is None or match.end() == pos:
            raise SignatureError("the Signature header is malformed")
        name = match.group(1).lower()
        if name in params:
            raise SignatureError(f"the Signature header repeats {match.group(1)!r}")
        params[name] = match.group(2) if match.group(2) is not None else match.group(3)
        pos = match.end()
    return params


def _check_host(url: str, host: str) -> None:
    parts = urlsplit(url)
    if parts.hostname and _normalize_host(host, parts.scheme) != url_authority(url):
        raise SignatureError(f"the signed Host {host[:64]!r} is not this server")


# --- verification -----------------------------------------------------------------

_RSA, _ED = "RSA", "Ed25519"
# (scheme, declared algorithm) -> key type -> primitives to try, in order.
_ALGORITHMS: dict[tuple[str, str | None], dict[str, tuple[Primitive, ...]]] = {
    ("cavage", "rsa-sha256"): {_RSA: ("pkcs1-sha256",)},
    ("cavage", "hs2019"): {_RSA: ("pkcs1-sha256",), _ED: ("ed25519",)},
    ("rfc9421", "rsa-v1_5-sha256"): {_RSA: ("pkcs1-sha256",)},
    ("rfc9421", "rsa-pss-sha512"): {_RSA: ("pss-sha512",)},
    ("rfc9421", "ed25519"): {_ED: ("ed25519",)},
    # No alg: RFC 9421 lets the key decide. RSA keys are used both ways in the
    # wild (Mastodon and Fedify: PKCS#1; the RFC's own examples: PSS).
    ("rfc9421", None): {_RSA: ("pkcs1-sha256", "pss-sha512"), _ED: ("ed25519",)},
}


def verify_parsed(parsed: ParsedSignature, public_key: PublicKey) -> None:
    """Check ``parsed.signature`` over ``parsed.base``; ``SignatureError`` if it fails.

    The declared algorithm must fit the key type (an ``rsa-sha256`` signature
    is never checked with an Ed25519 key, or the reverse).
    """
    key = check_public_key(public_key)
    kind = _RSA if isinstance(key, rsa.RSAPublicKey) else _ED
    table = _ALGORITHMS.get((parsed.scheme, parsed.algorithm))
    if table is None:
        raise SignatureError(f"unsupported signature algorithm {parsed.algorithm!r}")
    primitives = table.get(kind)
    if primitives is None:
        raise SignatureError(f"algorithm {parsed.algorithm} cannot be used with an {kind} key")
    for primitive in primitives:
        if verify_bytes(key, parsed.signature, parsed.base, primitive):
            return
    raise SignatureError("the signature does not verify with the signer's public key")
