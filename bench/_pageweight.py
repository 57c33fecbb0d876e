"""Page weight: what a browser downloads for a page before its images.

``weigh()`` fetches a page as a browser would (``Accept-Encoding: gzip``),
finds the stylesheets (``<link rel=stylesheet>``) and scripts (``<script
src>``) it references, fetches each once and counts the bytes of its body on
the wire (compressed when the server compressed it; headers not counted). It
also checks what makes an asset cacheable for good: a content-hashed name and
``Cache-Control`` with a long ``max-age`` and ``immutable``. Other same-site
files the page references (the icon sprite of ``<use href>``, the favicon) and
images are listed beside, not counted in the CSS+JS budget.

The HTML itself is sent uncompressed by ``warmline serve`` (a reverse proxy
compresses it: ``deploy/nginx.conf`` has ``gzip_comp_level 5``), so its size
is given as sent and as gzip level 5 would make it.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import aiohttp

LONG_LIVED = 30 * 86_400  # seconds of max-age that count as "long-lived"
HASHED = re.compile(r"\.[0-9a-f]{8,}\.[a-z0-9]+$")
PROXY_GZIP_LEVEL = 5  # deploy/nginx.conf


class _References(HTMLParser):
    """The URLs a page references, by kind."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.css: list[str] = []
        self.js: list[str] = []
        self.other: list[str] = []  # favicon, icon sprite, preloads
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        if tag == "link" and "stylesheet" in rel and a.get("href"):
            self.css.append(a["href"])
        elif tag == "link" and ({"icon", "preload", "modulepreload"} & set(rel)) and a.get("href"):
            self.other.append(a["href"].split("#")[0])
        elif tag == "script" and a.get("src"):
            self.js.append(a["src"])
        elif tag == "use" and a.get("href"):
            self.other.append(a["href"].split("#")[0])
        elif tag == "img" and a.get("src"):
            self.images.append(a["src"])


@dataclass
class Asset:
    url: str
    kind: str  # css | js | other
    wire: int = 0  # body bytes as sent
    raw: int = 0  # body bytes once decoded
    encoding: str = ""
    cache_control: str = ""
    status: int = 0

    @property
    def cached_for_good(self) -> bool:
        """Long max-age, immutable, and a content-hashed name."""
        directives = [d.strip().lower() for d in self.cache_control.split(",")]
        ages = [int(d[8:]) for d in directives if d.startswith("max-age=") and d[8:].isdigit()]
        path = urlsplit(self.url).path
        return (
            bool(ages)
            and max(ages) >= LONG_LIVED
            and "immutable" in directives
            and bool(HASHED.search(path))
        )


@dataclass
class Weight:
    html_sent: int = 0
    html_encoding: str = ""
    html_gzip: int = 0  # as a proxy at PROXY_GZIP_LEVEL would send it
    css: list[Asset] = field(default_factory=list)
    js: list[Asset] = field(default_factory=list)
    other: list[Asset] = field(default_factory=list)
    images: int = 0

    @property
    def css_js(self) -> int:
        return sum(a.wire for a in self.css + self.js)


async def _fetch(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> tuple[int, bytes, aiohttp.ClientResponse]:
    async with session.get(url, headers=headers, allow_redirects=False) as response:
        body = await response.read()  # the session does not decompress: bytes as sent
        return response.status, body, response


def _decoded(body: bytes, encoding: str) -> bytes:
    return gzip.decompress(body) if encoding == "gzip" else body


async def weigh(
    session: aiohttp.ClientSession,
    base: str,
    path: str,
    headers: dict[str, str],
    assets: dict[str, Asset],
) -> Weight:
    """The weight of the page at ``path``; ``assets`` caches assets by URL across pages.

    ``session`` must be made with ``auto_decompress=False``.
    """
    wanted = {**headers, "Accept-Encoding": "gzip"}
    status, body, response = await _fetch(session, base + path, wanted)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    encoding = response.headers.get("Content-Encoding", "")
    html = _decoded(body, encoding)
    refs = _References()
    refs.feed(html.decode("utf-8", errors="replace"))
    weight = Weight(
        html_sent=len(body),
        html_encoding=encoding or "identity",
        html_gzip=len(gzip.compress(html, PROXY_GZIP_LEVEL)),
        images=len(refs.images),
    )
    page_url = base + path
    for kind, urls, into in (
        ("css", refs.css, weight.css),
        ("js", refs.js, weight.js),
        ("other", refs.other, weight.other),
    ):
        for url in dict.fromkeys(urljoin(page_url, u) for u in urls):
            if not url.startswith(base):
                continue  # another site's: none expected (the CSP allows only 'self')
            if url not in assets:
                assets[url] = await _asset(session, url, kind, {"Accept-Encoding": "gzip"})
            into.append(assets[url])
    return weight


async def _asset(
    session: aiohttp.ClientSession, url: str, kind: str, headers: dict[str, str]
) -> Asset:
    status, body, response = await _fetch(session, url, headers)
    encoding = response.headers.get("Content-Encoding", "")
    return Asset(
        url=url,
        kind=kind,
        wire=len(body),
        raw=len(_decoded(body, encoding)) if status == 200 else 0,
        encoding=encoding or "identity",
        cache_control=response.headers.get("Cache-Control", ""),
        status=status,
    )
