"""WebFinger (RFC 7033) client: handles, JRD parsing, actor resolution.

Plain http in development: with ``allow_http=True``, :func:`resolve_actor` tries
``https://`` first and falls back to ``http://`` only when the https attempt fails
at the transport level (cannot connect, TLS handshake fails, timeout), never after
an HTTP answer: a server that answered over https is authoritative. This is what
Fedify does, so a plain-http dev server (which answers the TLS hello with a 400)
works with both. Production (``allow_http=False``) uses https only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp

from federation.client import fetch_document
from federation.errors import AddressNotAllowed, FetchError, WebFingerError
from federation.netguard import check_url

JRD_ACCEPT: Final = "application/jrd+json, application/json"
JRD_CONTENT_TYPES: Final = frozenset({"application/jrd+json", "application/json"})
AS_NAMESPACE: Final = "https://www.w3.org/ns/activitystreams"
_MAX_JRD_BYTES: Final = 256 * 1024

# RFC 7565 userpart (unreserved / sub-delims / pct-encoded); non-ASCII letters are
# tolerated because some servers allow them.
_USER_CHARS: Final = re.compile(r"(?:[\w\-.~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+")
_LABEL: Final = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_PORT: Final = re.compile(r"[0-9]{1,5}")


class InvalidHandle(WebFingerError, ValueError):
    """A string is not a usable ``user@host`` handle."""


@dataclass(frozen=True, slots=True)
class Handle:
    """``user@host``; ``host`` is lowercase ASCII (punycode) and may carry ``:port``."""

    user: str
    host: str

    @property
    def acct(self) -> str:
        """``user@host``."""
        return f"{self.user}@{self.host}"

    @property
    def resource(self) -> str:
        """The WebFinger resource, ``acct:user@host``."""
        return f"acct:{self.acct}"


def parse_handle(text: str) -> Handle:
    """Parse ``@user@host``, ``user@host`` or ``acct:user@host`` (host may have a port)."""
    s = text.strip()
    if s[:5].lower() == "acct:":
        s = s[5:]
    elif s.startswith("@"):
        s = s[1:]
    user, sep, host = s.partition("@")
    if not sep or "@" in host:
        raise InvalidHandle(f"not a user@host handle: {text!r}")
    if not _USER_CHARS.fullmatch(user):
        raise InvalidHandle(f"bad user part in handle {text!r}")
    return Handle(user=user, host=_normalise_host(host, text))


def _normalise_host(host: str, text: str) -> str:
    name, port = _split_port(host, text)
    if port is not None and not (_PORT.fullmatch(port) and 0 < int(port) < 65536):
        raise InvalidHandle(f"bad port in handle {text!r}")
    suffix = f":{port}" if port is not None else ""
    if name.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(name[1:-1]).compressed}]{suffix}"
        except ValueError as exc:
            raise InvalidHandle(f"bad IPv6 literal in handle {text!r}") from exc
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidHandle(f"bad host in handle {text!r}") from exc
    labels = ascii_name.removesuffix(".").split(".")
    if len(ascii_name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidHandle(f"bad host in handle {text!r}")
    if labels[-1].isdigit():  # numeric last label: must be a canonical IPv4 address
        try:
            ipaddress.IPv4Address(ascii_name)
        except ValueError as exc:
            raise InvalidHandle(f"bad IPv4 host in handle {text!r}") from exc
    return ascii_name.removesuffix(".") + suffix


def _split_port(host: str, text: str) -> tuple[str, str | None]:
    if host.startswith("["):
        end = host.find("]")
        rest = host[end + 1 :] if end > 0 else "?"
        if rest and not rest.startswith(":"):
            raise InvalidHandle(f"bad host in handle {text!r}")
        return host[: end + 1], (rest[1:] if rest else None)
    name, sep, port = host.partition(":")
    if not name:
        raise InvalidHandle(f"no host in handle {text!r}")
    return name, (port if sep else None)


def webfinger_url(host: str, resource: str, *, scheme: str = "https") -> str:
    """``{scheme}://{host}/.well-known/webfinger?resource=...`` (resource percent-encoded)."""
    if scheme not in ("https", "http"):
        raise ValueError(f"WebFinger scheme must be http or https, not {scheme!r}")
    return f"{scheme}://{host}/.well-known/webfinger?{urlencode({'resource': resource})}"


@dataclass(frozen=True, slots=True)
class JrdLink:
    """One ``links`` entry; any member may be missing or null in the wild."""

    rel: str
    type: str | None = None
    href: str | None = None
    template: str | None = None
    properties: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Jrd:
    """A JSON Resource Descriptor, tolerant of what real servers send."""

    subject: str | None
    aliases: tuple[str, ...] = ()
    links: tuple[JrdLink, ...] = ()
    properties: Mapping[str, str | None] = field(default_factory=dict)

    def actor_url(self) -> str | None:
        """The href of the first ``self`` link with an ActivityPub media type."""
        for link in self.links:
            if link.rel == "self" and link.href and is_activitypub_type(link.type):
                return link.href
        return None


def is_activitypub_type(media_type: str | None) -> bool:
    """``application/activity+json``, or ``application/ld+json`` with the AS2 profile."""
    if not media_type:
        return False
    main, *params = (part.strip() for part in media_type.split(";"))
    main = main.lower()
    if main == "application/activity+json":
        return True
    if main != "application/ld+json":
        return False
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "profile" and AS_NAMESPACE in value.strip('" ').split():
            return True
    return False


def parse_jrd(doc: object) -> Jrd:
    """Build a :class:`Jrd`, skipping malformed members instead of failing on them."""
    if not isinstance(doc, dict):
        raise WebFingerError(f"JRD must be a JSON object, not {type(doc).__name__}")
    subject = doc.get("subject")
    aliases = doc.get("aliases")
    if isinstance(aliases, str):
        aliases = [aliases]
    elif not isinstance(aliases, list):  # null, a number, an object: no aliases
        aliases = []
    raw_links = doc.get("links")
    links = raw_links if isinstance(raw_links, list) else []
    return Jrd(
        subject=subject if isinstance(subject, str) else None,
        aliases=tuple(a for a in aliases if isinstance(a, str)),
        links=tuple(link for link in map(_parse_link, links) if link is not None),
        properties=_string_map(doc.get("properties")),
    )


def _parse_link(raw: Any) -> JrdLink | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("rel"), str):
        return None
    return JrdLink(
        rel=raw["rel"],
        type=_opt_str(raw.get("type")),
        href=_opt_str(raw.get("href")),
        template=_opt_str(raw.get("template")),
        properties=_string_map(raw.get("properties")),
    )


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _string_map(value: Any) -> dict[str, str | None]:
    if not isinstance(value, dict):
        return {}
    return {k: _opt_str(v) for k, v in value.items() if isinstance(k, str)}


async def fetch_jrd(
    session: aiohttp.ClientSession, handle: Handle, *, allow_http: bool = False
) -> Jrd:
    """GET and parse the JRD for ``handle`` (https; then http on transport failure in dev)."""
    try:
        return await _fetch_jrd_over(session, handle, "https", allow_http)
    except WebFingerError as exc:
        transport_failure = exc.retryable and exc.status is None
        if not (allow_http and transport_failure):
            raise
    return await _fetch_jrd_over(session, handle, "http", allow_http)


async def _fetch_jrd_over(
    session: aiohttp.ClientSession, handle: Handle, scheme: str, allow_http: bool
) -> Jrd:
    url = webfinger_url(handle.host, handle.resource, scheme=scheme)
    try:
        fetched = await fetch_document(
            session,
            url,
            accept=JRD_ACCEPT,
            content_types=JRD_CONTENT_TYPES,
            allow_http=allow_http,
            max_bytes=_MAX_JRD_BYTES,
        )
    except AddressNotAllowed:
        raise
    except FetchError as exc:
        raise WebFingerError(
            f"WebFinger for {handle.acct} failed: {exc}", retryable=exc.retryable, status=exc.status
        ) from exc
    return parse_jrd(fetched.document)


async def resolve_actor(
    session: aiohttp.ClientSession, handle: str | Handle, *, allow_http: bool = False
) -> str:
    """The ActivityPub actor id for a handle, from its WebFinger ``self`` link.

    The subject is not required to match (Hubzilla answers ``acct:user`` without a
    host; domains may delegate): callers must still check the fetched actor
    (e.g. that WebFinger for its ``preferredUsername`` at its host leads back to it).
    """
    parsed = handle if isinstance(handle, Handle) else parse_handle(handle)
    jrd = await fetch_jrd(session, parsed, allow_http=allow_http)
    actor = jrd.actor_url()
    if actor is None:
        raise WebFingerError(f"WebFinger for {parsed.acct}: no ActivityPub self link")
    try:
        check_url(actor, allow_http=allow_http)
    except FetchError as exc:
        raise WebFingerError(f"WebFinger for {parsed.acct}: unusable actor link: {exc}") from exc
    return actor
