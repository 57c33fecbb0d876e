"""RFC 9421 HTTP Message Signatures: signing, and parsing for verification.

Signing uses the ``http-message-signatures`` library as is. Verification cannot
use its ``HTTPMessageVerifier`` whole, because that resolves the key
synchronously in the middle of verifying, while our key lookup is async (a
remote fetch). So we use its pieces: ``http_sf`` parses ``Signature-Input`` and
``Signature``, the library's component resolver computes each covered value
(``@target-uri``, ``@authority``, ``@query-param``...), we assemble the
signature base, and :func:`federation.httpsig.verify_parsed` checks it once the
key has been fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPSignatureComponentResolver,
    MappingKeyResolver,
    algorithms,
)
from http_sf.compat import InnerList, Item

from federation.digest import make_content_digest, verify_content_digest
from federation.errors import SignatureError
from federation.httpsig import (
    ParsedSignature,
    check_expires,
    check_window,
    http_date,
    normalize_headers,
    parse_http_date,
    timestamp,
    utc_now,
)
from federation.keys import PrivateKey

RFC9421_ALGORITHMS = frozenset({"ed25519", "rsa-v1_5-sha256", "rsa-pss-sha512"})
_MAX_FIELD = 8192
_MAX_COVERED = 32
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(slots=True)
class _Request:
    """The request view the library's signer and resolver read (no body)."""

    method: str
    url: str
    headers: dict[str, str]


# --- signing ------------------------------------------------------------------------


def sign_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey,
    now: datetime | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """Sign like Fedify does; return the headers to add.

    Covers ``@method @target-uri @authority date`` plus ``content-digest``
    for requests with a body (a ``Content-Digest`` is added if absent), with
    ``created``, ``keyid`` and ``alg`` (``ed25519`` or ``rsa-v1_5-sha256``).
    """
    moment = utc_now(now)
    request = _Request(method.upper(), url, normalize_headers(headers))
    has_body = body is not None or request.method in _BODY_METHODS
    added = _date_and_digest(request, (body or b"") if has_body else None, moment)
    request.headers.update({name.lower(): value for name, value in added.items()})
    covered = ["@method", "@target-uri", "@authority", "date"]
    if has_body:
        covered.append("content-digest")
    signer = HTTPMessageSigner(
        signature_algorithm=_sign_algorithm(private_key),
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: private_key}),
    )
    try:
        signer.sign(
            request,
            key_id=key_id,
            created=moment,
            label=label,
            covered_component_ids=covered,
            use_existing_digest="content-digest" in request.headers,
        )
    except HTTPMessageSignaturesException as exc:
        raise ValueError(f"cannot sign this request with RFC 9421: {exc}") from exc
    added["Signature-Input"] = request.headers["Signature-Input"]
    added["Signature"] = request.headers["Signature"]
    return added


def _date_and_digest(request: _Request, body: bytes | None, moment: datetime) -> dict[str, str]:
    """The ``Date`` and (when there is a body) ``Content-Digest`` the request lacks."""
    added: dict[str, str] = {}
    if "date" not in request.headers:
        added["Date"] = http_date(moment)
    if body is None:
        return added
    if "content-digest" not in request.headers:
        added["Content-Digest"] = make_content_digest(body)
        return added
    try:
        verify_content_digest(request.headers["content-digest"], body)
    except SignatureError as exc:
        raise ValueError(f"the Content-Digest given does not match the body: {exc}") from exc
    return added


def _sign_algorithm(private_key: PrivateKey) -> type[algorithms.HTTPSignatureAlgorithm]:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return algorithms.ED25519
    if isinstance(private_key, rsa.RSAPrivateKey):
        return algorithms.RSA_V1_5_SHA256
    raise ValueError(f"unsupported private key type {type(private_key).__name__}")


# --- parsing and policy -----------------------------------------------------------------


def parse_rfc9421(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    max_skew_seconds: float,
) -> ParsedSignature:
    """Parse an RFC 9421 signature and enforce our policy on it.

    Must cover ``@method`` and the target (``@target-uri``, or ``@authority``
    with ``@path`` or ``@request-target``), and ``content-digest`` when there
    is a body; the ``Content-Digest`` must match the body; ``created`` (or a
    covered ``Date``) must be within the window; ``expires`` must not have passed.
    """
    values = normalize_headers(headers)
    parsed = extract_rfc9421(method, url, values)
    covered = set(parsed.covered)
    if "@method" not in covered:
        raise SignatureError("the signature must cover @method")
    if "@target-uri" not in covered and not (
        "@authority" in covered and covered & {"@path", "@request-target"}
    ):
        raise SignatureError("the signature must cover @target-uri (or @authority and @path)")
    if body and "content-digest" not in covered:
        raise SignatureError("the request has a body, so the signature must cover content-digest")
    if parsed.created is None and "date" not in covered:
        raise SignatureError("the signature needs a created parameter or a covered Date")
    if parsed.created is not None:
        check_window(parsed.created, now, max_skew_seconds, "signature creation time")
    if "date" in covered:
        check_window(parse_http_date(values["date"]), now, max_skew_seconds, "signed Date")
    check_expires(parsed.expires, now)
    if "content-digest" in covered:
        verify_content_digest(values["content-digest"], body)
    return parsed


def extract_rfc9421(method: str, url: str, headers: Mapping[str, str]) -> ParsedSignature:
    """Parse the first signature and rebuild its signature base, with NO policy checks.

    Only for tests and tools: never trust a signature parsed this way without
    the checks in :func:`parse_rfc9421`. With several labels, the first one in
    ``Signature-Input`` that also appears in ``Signature`` is used.
    """
    values = normalize_headers(headers)
    inputs = _dictionary(values, "Signature-Input")
    signatures = _dictionary(values, "Signature")
    label = next((name for name in inputs if name in signatures), None)
    if label is None:
        raise SignatureError("Signature-Input and Signature share no label")
    items, params = _inner_list(inputs[label], label)
    signature = signatures[label]
    if not (isinstance(signature, tuple) and isinstance(signature[0], bytes) and signature[0]):
        raise SignatureError(f"Signature member {label!r} must be a byte sequence")
    key_id, algorithm = _key_and_algorithm(params)
    base, covered = _signature_base(_Request(method.upper(), url, values), items, params)
    return ParsedSignature(
        scheme="rfc9421",
        key_id=key_id,
        algorithm=algorithm,
        covered=covered,
        base=base,
        signature=signature[0],
        created=_time_param(params, "created"),
        expires=_time_param(params, "expires"),
        label=label,
    )


def _dictionary(values: Mapping[str, str], name: str) -> dict[str, Any]:
    raw = values.get(name.lower())
    if raw is None:
        raise SignatureError(f"the {name} header is missing")
    if len(raw) > _MAX_FIELD:
        raise SignatureError(f"the {name} header is too long")

    def reject_duplicate(key: str, context: str) -> None:
        raise SignatureError(f"the {name} header repeats {key!r}")

    try:
        parsed = http_sf.parse(
            raw.encode("ascii"), tltype="dictionary", on_duplicate_key=reject_duplicate
        )
    except (ValueError, UnicodeError) as exc:
        raise SignatureError(f"the {name} header is not a valid structured field") from exc
    if not isinstance(parsed, dict) or not parsed:
        raise SignatureError(f"the {name} header is empty")
    return parsed


def _inner_list(member: Any, label: str) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]:
    """Covered components and signature parameters of one Signature-Input member."""
    if not (isinstance(member, tuple) and isinstance(member[0], list)):
        raise SignatureError(f"Signature-Input member {label!r} must be an inner list")
    items, params = member
    if len(items) > _MAX_COVERED:
        raise SignatureError("the signature covers too many components")
    for name, _ in items:
        if not isinstance(name, str) or name != name.lower() or not name:
            raise SignatureError("covered component names must be lower-case strings")
    return items, params


def _key_and_algorithm(params: Mapping[str, Any]) -> tuple[str, str | None]:
    key_id = params.get("keyid")
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("the signature has no keyid parameter")
    algorithm = params.get("alg")
    if algorithm is not None and algorithm not in RFC9421_ALGORITHMS:
        raise SignatureError(f"unsupported signature algorithm {str(algorithm)[:32]!r}")
    for name in ("nonce", "tag"):
        if name in params and not isinstance(params[name], str):
            raise SignatureError(f"the signature's {name} parameter must be a string")
    return key_id, algorithm


def _time_param(params: Mapping[str, Any], name: str) -> datetime | None:
    value = params.get(name)
    if value is None:
        return None
    if type(value) is not int:
        raise SignatureError(f"the signature's {name} parameter must be an integer")
    return timestamp(value, name)


def _signature_base(
    request: _Request, items: list[tuple[str, dict[str, Any]]], params: dict[str, Any]
) -> tuple[bytes, tuple[str, ...]]:
    """RFC 9421 section 2.5: one ``"id": value`` line per component, then the params."""
    try:
        resolver = HTTPSignatureComponentResolver(request)
    except HTTPMessageSignaturesException as exc:
        raise SignatureError(f"the request cannot be checked with RFC 9421: {exc}") from exc
    nodes: list[Item] = []
    lines: list[str] = []
    covered: list[str] = []
    for name, item_params in items:
        node = Item(name)
        node.params.update(item_params)
        identifier = str(node)
        if any(line.startswith(identifier + ": ") for line in lines):
            raise SignatureError(f"the signature covers {identifier} twice")
        try:
            value = resolver.resolve(node)
        except (HTTPMessageSignaturesException, ValueError, TypeError, KeyError) as exc:
            raise SignatureError(
                f"covered component {identifier} cannot be resolved: {exc}"
            ) from exc
        if "\n" in value or "\r" in value:
            raise SignatureError(f"covered component {identifier} contains a line break")
        nodes.append(node)
        lines.append(f"{identifier}: {value}")
        covered.append(name + identifier[len(name) + 2 :])
    signature_params = InnerList(nodes)
    signature_params.params.update(params)
    lines.append(f'"@signature-params": {signature_params}')
    text = "\n".join(lines)
    if not text.isascii():
        raise SignatureError("the signature base contains non-ASCII characters")
    return text.encode("ascii"), tuple(covered)
