"""Images attached to posts, on the wire: the ``Document`` we send, the images we read.

We send what Mastodon sends (``Document`` with ``mediaType``, ``url``, ``name`` as
the alt text, ``width``, ``height``, ``blurhash`` and ``focalPoint``). We read
``Document``/``Image`` attachments whose media type (or type) says image, with an
``http(s)`` URL given as a string, a ``Link`` or a list of either; anything odd is
skipped, never an error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from federation.vocab import as_list, get_str

MAX_IMAGES = 8
MAX_URL = 2048
MAX_NAME = 1500
MAX_SIDE = 100_000
_BLURHASH = re.compile(r"^[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,100}$")


def document(
    *,
    url: str,
    media_type: str,
    name: str | None,
    width: int | None,
    height: int | None,
    blurhash: str | None,
    focal_point: tuple[float, float] | None,
) -> dict[str, Any]:
    """An image attachment as Mastodon sends it."""
    doc: dict[str, Any] = {
        "type": "Document",
        "mediaType": media_type,
        "url": url,
        "name": name or None,
    }
    if blurhash:
        doc["blurhash"] = blurhash
    doc["focalPoint"] = list(focal_point) if focal_point else [0.0, 0.0]
    if width and height:
        doc["width"], doc["height"] = width, height
    return doc


@dataclass(frozen=True, slots=True)
class RemoteImage:
    url: str
    media_type: str
    name: str
    width: int | None
    height: int | None
    blurhash: str | None
    focal_point: tuple[float, float] | None


def _http_url(value: Any) -> tuple[str | None, str | None]:
    """The first http(s) URL in ``value`` and the media type its Link declares."""
    for item in as_list(value):
        href, media_type = item, None
        if isinstance(item, dict):
            href, media_type = item.get("href"), get_str(item.get("mediaType"))
        if (
            isinstance(href, str)
            and len(href) <= MAX_URL
            and href.lower().startswith(("https://", "http://"))
            and not any(c.isspace() or ord(c) < 32 for c in href)
        ):
            return href, media_type
    return None, None


def _side(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SIDE:
        return value
    return None


def _focal_point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return None
    x, y = float(value[0]), float(value[1])
    if math.isfinite(x) and math.isfinite(y) and -1 <= x <= 1 and -1 <= y <= 1:
        return x, y
    return None


def _image(item: Any) -> RemoteImage | None:
    if not isinstance(item, dict):
        return None
    types = {t for t in as_list(item.get("type")) if isinstance(t, str)}
    if not types & {"Document", "Image"}:
        return None
    url, link_type = _http_url(item.get("url"))
    media_type = get_str(item.get("mediaType")) or link_type
    if media_type is None and "Image" in types:
        media_type = "image/*"
    if url is None or media_type is None or not media_type.lower().startswith("image/"):
        return None
    name = get_str(item.get("name")) or get_str(item.get("summary")) or ""  # GoToSocial: summary
    blurhash = get_str(item.get("blurhash"))
    return RemoteImage(
        url=url,
        media_type=media_type[:64],
        name=name[:MAX_NAME],
        width=_side(item.get("width")),
        height=_side(item.get("height")),
        blurhash=blurhash if blurhash and _BLURHASH.match(blurhash) else None,
        focal_point=_focal_point(item.get("focalPoint")),
    )


def read_images(obj: Any) -> list[RemoteImage]:
    """The image attachments of a post (at most ``MAX_IMAGES``)."""
    if not isinstance(obj, dict):
        return []
    found = []
    for item in as_list(obj.get("attachment")):
        image = _image(item)
        if image is not None:
            found.append(image)
            if len(found) == MAX_IMAGES:
                break
    return found
