"""Checking HTTP signatures on requests that reach the ActivityPub door."""

from __future__ import annotations

from aiohttp import web

from federation.errors import FetchError, SignatureError
from federation.httpsig import ParsedSignature, parse_request_signature
from federation.verify import VerifiedRequest, verify_parsed_request
from server.appkeys import CONFIG, SERVICES


def request_url(request: web.Request) -> str:
    """The URL the client signed: our public base plus the path it asked for.

    Behind a reverse proxy ``request.url`` carries the internal address; the
    configured domain is what peers see and sign.
    """
    return request.app[CONFIG].base_url + request.raw_path


def parse_signed(request: web.Request, body: bytes | None = None) -> ParsedSignature:
    """The request's signature, parsed and checked for shape, coverage, time and
    digest (no key needed yet); SignatureError (401) otherwise."""
    return parse_request_signature(
        request.method,
        request_url(request),
        request.headers,
        body,
        max_skew_seconds=request.app[CONFIG].federation.signature_window,
    )


async def check_key(request: web.Request, parsed: ParsedSignature) -> VerifiedRequest:
    """Look the signing key up (fetching it if needed) and verify; 401 otherwise."""
    try:
        return await verify_parsed_request(parsed, request.app[SERVICES].remote)
    except FetchError as exc:
        raise SignatureError(f"the signing key could not be fetched: {exc}") from exc


async def verify_signed(request: web.Request, body: bytes | None = None) -> VerifiedRequest:
    """Verify the request's signature (cavage or RFC 9421) or raise 401."""
    return await check_key(request, parse_signed(request, body))


async def authorize_fetch(request: web.Request) -> VerifiedRequest | None:
    """In authorized-fetch mode, a GET must carry a valid signature."""
    if not request.app[CONFIG].federation.authorized_fetch:
        return None
    if "Signature" not in request.headers and "Signature-Input" not in request.headers:
        raise SignatureError("this server requires signed fetches (authorized fetch)")
    return await verify_signed(request)
