"""Domain names as moderation sees them: one spelling per domain, and which
entries of a block list cover a host.

A block or allow entry is a domain (``example.org``: that host, every
subdomain, every port) or a host with a port (``example.org:8443``,
``127.0.0.1:8081``: exactly that origin, which is how instances on one
machine differ). Names are compared in one spelling: lower case, no trailing
dot, internationalised names in their ASCII (IDNA, UTS #46) form, so
``Example.ORG.``, ``xn--bcher-kva.example`` and ``bücher.example`` are each one
entry however an admin or a peer writes them.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

import idna

from server.services.errors import ValidationError

MAX_LENGTH = 253


def normalise(text: str, *, field: str = "domain") -> str:
    """The one spelling of ``text``: a domain, ``*.domain``, ``host:port`` or a URL.

    Raises :class:`ValidationError` naming ``field`` when it is none of those."""
    value = text.strip()
    if "://" in value:
        try:
            value = urlsplit(value).netloc
        except ValueError:  # "http://[::1": an unclosed IPv6 bracket
            raise ValidationError(f"not a domain name: {text!r}", field=field) from None
    if value.startswith("*."):
        value = value[2:]
    if not value or any(c in value for c in "/@?#\\ \t\r\n"):
        raise ValidationError(f"not a domain name: {text!r}", field=field)
    host, port = _split_port(value, text, field)
    host = _host(host, text, field)
    return f"{host}:{port}" if port else host


@functools.lru_cache(maxsize=4096)
def host_of(url_or_netloc: str) -> str:
    """``host[:port]`` of a URL (or of a netloc), in the spelling of :func:`normalise`;
    "" when it has none that could be an entry."""
    try:
        netloc = urlsplit(url_or_netloc).netloc if "://" in url_or_netloc else url_or_netloc
        return normalise(netloc)
    except (ValidationError, ValueError):  # ValueError: "http://[::1", an unclosed bracket
        return ""


def covering(host: str) -> tuple[str, ...]:
    """The entries that would cover ``host`` (already normalised): itself, then
    its name without the port, then each parent domain. An IP address has no
    parents."""
    name, _, port = host.rpartition(":") if has_port(host) else (host, "", "")
    found = [host] if port else []
    if _is_ip(name):
        return (*found, name)
    labels = name.split(".")
    return (*found, *(".".join(labels[i:]) for i in range(len(labels))))


def has_port(host: str) -> bool:
    """Whether ``host`` (normalised) names a port."""
    if host.startswith("["):
        return "]:" in host
    return host.count(":") == 1


def _split_port(value: str, text: str, field: str) -> tuple[str, str]:
    if value.startswith("["):  # [IPv6] or [IPv6]:port
        inside, _, rest = value[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValidationError(f"not a domain name: {text!r}", field=field)
        return f"[{inside}]", _port(rest[1:], text, field) if rest else ""
    if value.count(":") == 1:
        host, _, port = value.partition(":")
        return host, _port(port, text, field)
    return value, ""


def _port(port: str, text: str, field: str) -> str:
    if not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValidationError(f"not a port number in {text!r}", field=field)
    return str(int(port))


def _host(host: str, text: str, field: str) -> str:
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1])}]"
        except ValueError:
            raise ValidationError(f"not an IPv6 address: {text!r}", field=field) from None
    name = host.rstrip(".")
    if _is_ip(name):
        return str(ipaddress.IPv4Address(name))
    if name.replace(".", "").isdigit():
        raise ValidationError(
            f"not a domain name: {text!r} (an IPv4 address is written as four numbers)",
            field=field,
        )
    try:
        ascii_name = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValidationError(f"not a domain name: {text!r} ({exc})", field=field) from None
    if ascii_name.endswith("."):  # a dot IDNA made of another (U+3002): one spelling still
        return _host(ascii_name, text, field)
    if len(ascii_name) > MAX_LENGTH:
        raise ValidationError(f"domain name too long: {text!r}", field=field)
    return ascii_name


def _is_ip(name: str) -> bool:
    if name.startswith("["):
        return True
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True
