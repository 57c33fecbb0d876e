"""Content negotiation: one URL answers browsers with HTML and peers with AS2.

A small q-value aware parser of the Accept header (RFC 9110 section 12.5.1).
"""

from __future__ import annotations

from dataclasses import dataclass

AS2_PROFILE = "https://www.w3.org/ns/activitystreams"
AS2_MEDIA = "application/activity+json"
LD_MEDIA = "application/ld+json"
AS2_CONTENT_TYPE = "application/activity+json; charset=utf-8"
LD_CONTENT_TYPE = f'application/ld+json; profile="{AS2_PROFILE}"; charset=utf-8'


@dataclass(frozen=True, slots=True)
class MediaRange:
    type: str
    params: dict[str, str]
    q: float
    order: int


def parse_accept(header: str | None) -> list[MediaRange]:
    """Media ranges sorted best first; malformed parts are skipped, not fatal."""
    ranges: list[MediaRange] = []
    for order, part in enumerate((header or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        params: dict[str, str] = {}
        q = 1.0
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            elif name:
                params[name] = value
        ranges.append(MediaRange(media, params, q, order))
    return sorted((r for r in ranges if r.q > 0), key=lambda r: (-r.q, r.order))


def _is_as2(media: MediaRange) -> bool:
    if media.type == AS2_MEDIA:
        return True
    if media.type == LD_MEDIA:
        profile = media.params.get("profile")
        return profile is None or AS2_PROFILE in profile.split()
    return False


def choose(header: str | None) -> str:
    """``"as2"``, ``"ld"`` or ``"html"`` for an Accept header.

    Browsers (and anything that does not ask for JSON) get HTML. Plain
    ``application/json`` gets AS2, as Mastodon does, since several fetchers send it.
    """
    for media in parse_accept(header):
        if _is_as2(media):
            return "ld" if media.type == LD_MEDIA else "as2"
        if media.type == "application/json":
            return "as2"
        if media.type in ("text/html", "application/xhtml+xml", "text/*", "*/*"):
            return "html"
    return "html"


def wants_json(header: str | None) -> bool:
    """True when a client prefers a JSON answer (used to shape error bodies)."""
    for media in parse_accept(header):
        if media.type.endswith("json") or media.type.endswith("+json"):
            return True
        if media.type in ("text/html", "application/xhtml+xml"):
            return False
    return True
