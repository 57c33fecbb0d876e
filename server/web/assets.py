"""Static assets with content-hashed names, served with long cache lifetimes.

At start-up every file under ``static/`` is read once: the stylesheets in
``static/css/`` (in name order) become one ``app.css``, and each asset gets a
name with a hash of its content (``app.3f2a9c1b7e.css``), so a page can tell
browsers to keep it for a year: a changed file gets a new name. Text assets
are also kept gzipped and sent so to browsers that accept it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
_COMPRESSIBLE = (".css", ".js", ".svg", ".txt", ".json")
_NOTES = (".md", ".py")  # provenance notes beside vendored files, not assets
_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class Asset:
    name: str  # as templates ask for it: "app.css", "vendor/htmx.min.js"
    url: str  # "/assets/app.3f2a9c1b7e.css"
    body: bytes
    gzipped: bytes | None
    content_type: str


class Assets:
    """Every asset by its plain name and by its hashed URL."""

    def __init__(self, root: Path = STATIC_DIR) -> None:
        self.by_name: dict[str, Asset] = {}
        self.by_url: dict[str, Asset] = {}
        css = sorted((root / "css").glob("*.css"))
        if css:
            self._add("app.css", b"\n".join(path.read_bytes() for path in css))
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not relative.startswith("css/") and path.suffix not in _NOTES:
                self._add(relative, path.read_bytes())

    def _add(self, name: str, body: bytes) -> None:
        digest = hashlib.sha256(body).hexdigest()[:12]
        stem, dot, ext = name.rpartition(".")
        url = f"{PREFIX}{stem}.{digest}.{ext}" if dot else f"{PREFIX}{name}.{digest}"
        suffix = f".{ext}" if dot else ""
        content_type = (
            _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        packed = gzip.compress(body, 9, mtime=0) if suffix in _COMPRESSIBLE else None
        if packed is not None and len(packed) >= len(body):
            packed = None
        asset = Asset(name, url, body, packed, content_type)
        self.by_name[name] = asset
        self.by_url[url] = asset

    def url(self, name: str) -> str:
        """The hashed URL of an asset (templates call this as ``asset("app.css")``)."""
        return self.by_name[name].url

    def weight(self, *names: str) -> int:
        """Bytes sent for these assets to a browser that accepts gzip."""
        return sum(len(a.gzipped or a.body) for a in map(self.by_name.__getitem__, names))

    async def serve(self, request: web.Request) -> web.Response:
        asset = self.by_url.get(request.path)
        if asset is None:
            raise web.HTTPNotFound(text="No such asset (assets are renamed when they change)")
        headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
        body = asset.body
        if asset.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            body, headers["Content-Encoding"] = asset.gzipped, "gzip"
        return web.Response(body=body, content_type=asset.content_type, headers=headers)
