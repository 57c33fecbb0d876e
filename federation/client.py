"""Fetching and posting ActivityPub documents over a guarded aiohttp session.

The session should come from :func:`federation.netguard.make_session`, which
enforces the address policy at connect time; this module adds the per-request
rules: URL checks on every hop, manual redirects, size caps, content types,
JSON shape, and mapping failures to :class:`FetchError` (``retryable`` tells a
queue whether to try again). Signing is delegated to a pure ``signer`` hook so
this module never touches keys.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from federation import jsontext
from federation.errors import AddressNotAllowed, FetchError
from federation.netguard import check_url, refusal_from

ACCEPT: Final = (
    "application/activity+json, "
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
)
AS2_CONTENT_TYPE: Final = "application/activity+json"
#: Media types accepted for AS2 documents (parameters such as ``profile`` are ignored).
#: ``application/json`` is included because several servers serve AS2 with it.
AS2_CONTENT_TYPES: Final = frozenset(
    {"application/activity+json", "application/ld+json", "application/json"}
)
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_CHUNK: Final = 64 * 1024

#: ``signer(method, url, headers, body) -> headers to add`` (e.g. Date, Digest, Signature).
#: ``url`` is the exact URL requested (no fragment); ``body`` is None for GET.
Signer = Callable[[str, str, Mapping[str, str], bytes | None], Mapping[str, str]]


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """A remote JSON object and where it really came from.

    ``final_url`` is the URL that served the document after redirects: compare the
    document's ``id`` with it (:func:`same_origin`) before trusting the ``id``.
    """

    requested_url: str
    final_url: str
    status: int
    content_type: str
    document: dict[str, Any]


DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def same_origin(a: str | URL, b: str | URL) -> bool:
    """True when both URLs are absolute and share scheme, host and (effective) port."""
    key_a, key_b = origin(str(a)), origin(str(b))
    return key_a is not None and key_a == key_b


# Scheme and authority: everything urlsplit() reads the origin from (the
# authority ends at the first "/", "?" or "#", as in urlsplit).
_SCHEME_AUTHORITY: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an absolute URL, the default port filled in; None if
    it has none."""
    # The inbox compares a few origins thousands of times, each through a
    # different URL (every activity has its own id): cached by the URL's
    # scheme and authority, so the cache holds hosts, not ids.
    prefix = _SCHEME_AUTHORITY.match(url)
    return _origin(prefix.group() if prefix else url)


@functools.lru_cache(maxsize=1024)
def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except (ValueError, TypeError):
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host:
        return None
    effective = port if port is not None else DEFAULT_PORTS.get(scheme)
    if effective is None:
        return None
    return scheme, host, effective


async def fetch_document(
    session: aiohttp.ClientSession,
    url: str,
    *,
    accept: str = ACCEPT,
    signer: Signer | None = None,
    max_bytes: int = 1_000_000,
    allow_http: bool = False,
    max_redirects: int = 3,
    content_types: Collection[str] = AS2_CONTENT_TYPES,
) -> FetchedDocument:
    """GET a JSON object, following up to ``max_redirects`` redirects by hand.

    Every hop is re-checked with :func:`check_url` and re-signed. Raises
    :class:`FetchError` (``retryable`` for network errors, timeouts, 408, 429, 5xx)
    or :class:`AddressNotAllowed`.
    """
    target = _request_url(url, allow_http)
    wanted = frozenset(t.lower() for t in content_types)
    for _ in range(max_redirects + 1):
        headers = _headers("GET", target, {"Accept": accept}, None, signer)
        with _network_errors("GET", target):
            async with session.get(target, headers=headers, allow_redirects=False) as resp:
                location = _redirect_location(resp, target)
                if location is None:
                    document = await _read_json(resp, target, max_bytes, wanted)
                    return FetchedDocument(
                        requested_url=url,
                        final_url=str(target),
                        status=resp.status,
                        content_type=resp.content_type,
                        document=document,
                    )
        target = _request_url(location, allow_http)
    raise FetchError(f"GET {url}: more than {max_redirects} redirects", retryable=False)


@dataclass(frozen=True, slots=True)
class PostResult:
    """What a POST got back: the status and the ``Retry-After`` header, if any."""

    status: int
    retry_after: str | None = None


async def post_document(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    *,
    signer: Signer | None,
    content_type: str = AS2_CONTENT_TYPE,
    allow_http: bool = False,
) -> PostResult:
    """POST ``body`` (redirects are not followed) and return what came back.

    Status interpretation is the caller's (delivery policy); only network errors
    and timeouts raise (:class:`FetchError` with ``retryable=True``), plus
    :class:`AddressNotAllowed` and non-retryable URL errors.
    """
    target = _request_url(url, allow_http)
    headers = _headers("POST", target, {"Content-Type": content_type}, body, signer)
    with _network_errors("POST", target):
        async with session.post(target, data=body, headers=headers, allow_redirects=False) as resp:
            return PostResult(resp.status, resp.headers.get("Retry-After"))


def _request_url(url: str | URL, allow_http: bool) -> URL:
    # The fragment never goes on the wire (key ids often carry "#main-key").
    return check_url(url, allow_http=allow_http).with_fragment(None)


def _headers(
    method: str, url: URL, base: dict[str, str], body: bytes | None, signer: Signer | None
) -> dict[str, str]:
    headers = dict(base)
    if signer is not None:
        headers.update(signer(method, str(url), dict(headers), body))
    return headers


@contextmanager
def _network_errors(method: str, url: URL) -> Iterator[None]:
    """Translate aiohttp/socket failures into FetchError; let our own errors through."""
    try:
        yield
    except FetchError:
        raise
    except aiohttp.InvalidURL as exc:
        raise FetchError(f"{method} {url}: invalid URL ({exc})", retryable=False) from exc
    except aiohttp.ClientConnectorError as exc:
        refusal = refusal_from(exc)
        if refusal is not None:
            raise AddressNotAllowed(str(refusal)) from exc
        raise FetchError(f"{method} {url}: cannot connect ({exc})", retryable=True) from exc
    except TimeoutError as exc:
        raise FetchError(f"{method} {url}: timed out", retryable=True) from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise FetchError(f"{method} {url}: {type(exc).__name__} {exc}", retryable=True) from exc


def _redirect_location(resp: aiohttp.ClientResponse, current: URL) -> URL | None:
    """The absolute redirect target, or None when ``resp`` is not a redirect."""
    if resp.status not in REDIRECT_STATUSES:
        return None
    location = resp.headers.get("Location")
    if not location:
        raise FetchError(
            f"GET {current}: {resp.status} without Location", retryable=False, status=resp.status
        )
    try:
        return current.join(URL(location))
    except (ValueError, TypeError) as exc:
        raise FetchError(
            f"GET {current}: bad Location {location!r}", retryable=False, status=resp.status
        ) from exc


def _check_status(resp: aiohttp.ClientResponse, url: URL) -> None:
    status = resp.status
    if 200 <= status < 300:
        return
    retryable = status in (408, 429) or status >= 500
    raise FetchError(f"GET {url}: HTTP {status}", retryable=retryable, status=status)


async def _read_json(
    resp: aiohttp.ClientResponse, url: URL, max_bytes: int, wanted: frozenset[str]
) -> dict[str, Any]:
    """Check status and media type, read at most ``max_bytes``, parse a JSON object."""
    _check_status(resp, url)
    status = resp.status
    if resp.content_type.lower() not in wanted:
        raise FetchError(
            f"GET {url}: unexpected content type {resp.content_type!r}",
            retryable=False,
            status=status,
        )
    body = await read_capped(resp, max_bytes)
    try:
        document = jsontext.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FetchError(f"GET {url}: invalid JSON", retryable=False, status=status) from exc
    if not isinstance(document, dict):
        raise FetchError(
            f"GET {url}: JSON is a {type(document).__name__}, not an object",
            retryable=False,
            status=status,
        )
    return document


async def read_capped(resp: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """Read the (decompressed) body, failing as soon as it exceeds ``max_bytes``.

    A too-large Content-Length fails before reading; a missing or lying one is
    caught while streaming.
    """
    declared = resp.content_length
    if declared is not None and declared > max_bytes:
        raise FetchError(
            f"{resp.url}: Content-Length {declared} exceeds {max_bytes} bytes",
            retryable=False,
            status=resp.status,
        )
    body = bytearray()
    async for chunk in resp.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(
                f"{resp.url}: body exceeds {max_bytes} bytes", retryable=False, status=resp.status
            )
    return bytes(body)
