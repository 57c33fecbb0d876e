"""A remote actor's professional profile, read back into what we store.

The reverse of ``federation.profiles``: Warmline's terms of a compacted actor
document become the same structures a local member has. Everything is
hostile: a malformed entry is skipped, a malformed date is dropped, text is
cut to our own limits and loses control characters; nothing here raises.
Warmline's text values are plain text, never HTML (as a member typed them);
whoever shows them escapes them.

For a Warmline peer the readable copies it adds for other software (the
generated ``PropertyValue`` fields and the headline paragraph at the top of
``summary``) are taken off again, so a profile round-trips exactly.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from federation.client import same_origin
from federation.profiles import Profile, essential_fields, headline_paragraph
from federation.vocab import as_list, get_id, get_str
from server.services import profiles as limits
from server.services.errors import ValidationError
from server.services.html import sanitize_html, strip_html
from server.services.linkedin.mapping import CERTIFICATIONS_MAX, LANGUAGES_MAX

SHORT_MAX = 100  # a language's name and proficiency, a licence number (as an import keeps them)


def _text(value: Any, limit: int, *, lines: bool = False) -> str:
    """Plain text (never read as HTML: ``<`` is a character), without control characters."""
    found = get_str(value)
    if not found:
        return ""
    kept = "\n" if lines else ""
    found = "".join(
        ch if unicodedata.category(ch) != "Cc" or ch in kept else " " for ch in found[: limit * 2]
    )
    return found.strip()[:limit].strip()


def _date(value: Any) -> str | None:
    try:
        return limits.profile_date(get_str(value), "date")
    except ValidationError:
        return None


def _span(entry: dict[str, Any]) -> dict[str, str | None]:
    start, end = _date(entry.get("startDate")), _date(entry.get("endDate"))
    if start and end and end < start:
        end = None
    return {"start": start, "end": end}


def _entries(value: Any, limit: int) -> list[dict[str, Any]]:
    return [item for item in as_list(value) if isinstance(item, dict)][: limit * 4]


def experience(value: Any) -> list[dict[str, Any]]:
    out = []
    for entry in _entries(value, limits.EXPERIENCE_MAX):
        title = _text(entry.get("title"), limits.NAME_MAX)
        if title:
            out.append(
                {
                    "title": title,
                    "organization": _text(entry.get("organization"), limits.NAME_MAX),
                    **_span(entry),
                    "description": _text(
                        entry.get("description"), limits.DESCRIPTION_MAX, lines=True
                    ),
                }
            )
    return out[: limits.EXPERIENCE_MAX]


def education(value: Any) -> list[dict[str, Any]]:
    out = []
    for entry in _entries(value, limits.EDUCATION_MAX):
        school = _text(entry.get("school"), limits.NAME_MAX)
        if school:
            out.append(
                {
                    "school": school,
                    "degree": _text(entry.get("degree"), limits.NAME_MAX),
                    "field": _text(entry.get("fieldOfStudy"), limits.NAME_MAX),
                    **_span(entry),
                }
            )
    return out[: limits.EDUCATION_MAX]


def skills(value: Any) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for item in as_list(value)[: limits.SKILLS_MAX * 4]:
        skill = " ".join(_text(item, limits.SKILL_MAX).split())
        if skill and skill.casefold() not in seen:
            seen.add(skill.casefold())
            out.append(skill)
    return out[: limits.SKILLS_MAX]


def languages(value: Any) -> list[dict[str, str]]:
    """``{name, proficiency}`` entries; a bare string is a language without a level."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for item in as_list(value)[: LANGUAGES_MAX * 4]:
        entry = item if isinstance(item, dict) else {"name": item}
        name = " ".join(_text(entry.get("name"), SHORT_MAX).split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            level = " ".join(_text(entry.get("proficiency"), SHORT_MAX).split())
            out.append({"name": name, "proficiency": level})
    return out[:LANGUAGES_MAX]


def _cert_url(value: Any) -> str:
    url = next((get_id(item) for item in as_list(value)[:4] if get_id(item)), None)
    try:
        return limits.http_url(url, "url") if url else ""
    except ValidationError:
        return ""


def certifications(value: Any) -> list[dict[str, Any]]:
    """``{name, authority, url, license, start, end}`` entries, as an import stores them."""
    out = []
    for entry in _entries(value, CERTIFICATIONS_MAX):
        name = _text(entry.get("name"), limits.NAME_MAX)
        if name:
            out.append(
                {
                    "name": name,
                    "authority": _text(entry.get("authority"), limits.NAME_MAX),
                    "url": _cert_url(entry.get("url")),
                    "license": _text(entry.get("licenseNumber"), SHORT_MAX),
                    **_span(entry),
                }
            )
    return out[:CERTIFICATIONS_MAX]


def links(value: Any) -> list[dict[str, str]]:
    out = []
    for item in _entries(value, limits.LINKS_MAX):
        name = _text(item.get("name"), limits.LINK_NAME_MAX)
        url = get_id(item.get("href")) or get_id(item.get("url"))
        if not name or not url:
            continue
        try:
            out.append({"name": name, "url": limits.http_url(url, "url")})
        except ValidationError:
            continue
    return out[: limits.LINKS_MAX]


def open_to(value: Any) -> list[str]:
    found = [item for item in as_list(value) if isinstance(item, str) and item in limits.OPEN_TO]
    return list(dict.fromkeys(found))


def location(value: Any) -> str:
    place = next((item for item in as_list(value) if isinstance(item, dict | str)), None)
    name = place.get("name") if isinstance(place, dict) else place
    return " ".join(_text(name, limits.LOCATION_MAX).split())


def parse_profile(doc: dict[str, Any], actor_id: str) -> dict[str, Any]:
    """Account values for the professional profile of a compacted actor document
    (``languages`` and ``certifications`` are not account columns: the caller
    takes them off and stores them apart, see ``take_extras``)."""
    connections = get_id(doc.get("connections"))
    speaks = bool(connections) and same_origin(connections or "", actor_id)
    return {
        "headline": " ".join(_text(doc.get("headline"), limits.HEADLINE_MAX).split()),
        "industry": " ".join(_text(doc.get("industry"), limits.INDUSTRY_MAX).split()),
        "location": location(doc.get("location")),
        "open_to": open_to(doc.get("openTo")),
        "experience": experience(doc.get("experience")),
        "education": education(doc.get("education")),
        "skills": skills(doc.get("skills")),
        "links": links(doc.get("links")),
        "languages": languages(doc.get("languages")),
        "certifications": certifications(doc.get("certifications")),
        "accepts_introductions": doc.get("acceptsIntroductions") is not False,
        "warmline": speaks,
        "connections_url": connections if speaks else None,
    }


def without_copies(values: dict[str, Any]) -> None:
    """Take a Warmline peer's readable copies off ``fields`` and ``summary`` (in place)."""
    if not values.get("warmline"):
        return
    profile = Profile(
        headline=values["headline"],
        industry=values["industry"],
        open_to=values["open_to"],
        experience=values["experience"],
        skills=values["skills"],
        languages=values.get("languages", ()),
    )
    generated = [(name, strip_html(value)) for name, value in essential_fields(profile)]
    fields = values["fields"]
    tail = [(f["name"], strip_html(f["value"])) for f in fields[len(fields) - len(generated) :]]
    if generated and tail == generated:
        values["fields"] = fields[: len(fields) - len(generated)]
    first = sanitize_html(headline_paragraph(values["headline"]))
    if first and values["summary"].startswith(first):
        values["summary"] = values["summary"][len(first) :]


def take_extras(values: dict[str, Any]) -> dict[str, list[Any]]:
    """Take ``languages`` and ``certifications`` off ``values`` (in place): they
    are stored apart from the account (``profile_extras``), as a member's are."""
    return {
        "languages": values.pop("languages", None) or [],
        "certifications": values.pop("certifications", None) or [],
    }
