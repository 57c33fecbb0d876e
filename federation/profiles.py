"""The professional profile on the wire: Warmline terms plus what Mastodon can show.

Pure builders. A profile travels twice in an actor document: structured, in
Warmline's own terms (``headline``, ``industry``, ``openTo``, ``experience``
as ``Experience`` objects, ``education`` as ``Education`` objects, ``skills``,
``languages`` as ``Language`` objects, ``certifications`` as ``Certification``
objects, ``links``, ``connections``, ``acceptsIntroductions``), and readable, as
``PropertyValue`` attachments after the member's own fields and a headline
paragraph at the top of ``summary``, for servers that ignore our terms.

Entries use the same keys as Warmline stores them: experience ``{title,
organization, start, end, description}``, education ``{school, degree, field,
start, end}``, languages ``{name, proficiency}``, certifications ``{name,
authority, url, license, start, end}``, links ``{name, url}``; dates are
``YYYY-MM`` or ``YYYY-MM-DD`` strings, and an ``end`` of None means "to the present".
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_ATTACHMENTS = 16
"""Own fields plus generated ones; Warmline reads at most this many."""

OPEN_TO_LABELS: Mapping[str, str] = {
    "hiring": "Hiring",
    "new_role": "A new role",
    "mentoring": "Mentoring",
    "investing": "Investing",
    "partnering": "Partnering",
    "speaking": "Speaking",
}
SKILLS_SHOWN = 10
LANGUAGES_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Profile:
    """A member's professional profile, as plain values."""

    headline: str = ""
    industry: str = ""
    open_to: Sequence[str] = ()
    experience: Sequence[Mapping[str, Any]] = ()
    education: Sequence[Mapping[str, Any]] = ()
    skills: Sequence[str] = ()
    links: Sequence[Mapping[str, str]] = ()
    languages: Sequence[Mapping[str, Any]] = ()
    certifications: Sequence[Mapping[str, Any]] = ()
    accepts_introductions: bool = True
    connections: str | None = None  # the connections collection's id


def _dated(entry: Mapping[str, Any], kind: str, keys: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind}
    for ours, theirs in keys.items():
        value = entry.get(ours)
        if value:
            out[theirs] = value
    return out


_EXPERIENCE_KEYS = {
    "title": "title",
    "organization": "organization",
    "start": "startDate",
    "end": "endDate",
    "description": "description",
}
_EDUCATION_KEYS = {
    "school": "school",
    "degree": "degree",
    "field": "fieldOfStudy",
    "start": "startDate",
    "end": "endDate",
}
_LANGUAGE_KEYS = {"name": "name", "proficiency": "proficiency"}
_CERTIFICATION_KEYS = {
    "name": "name",
    "authority": "authority",
    "url": "url",
    "license": "licenseNumber",
    "start": "startDate",
    "end": "endDate",
}


def profile_properties(profile: Profile) -> dict[str, Any]:
    """The Warmline terms of an actor document (empty values left out)."""
    props: dict[str, Any] = {}
    if profile.headline:
        props["headline"] = profile.headline
    if profile.industry:
        props["industry"] = profile.industry
    if profile.open_to:
        props["openTo"] = list(profile.open_to)
    if profile.experience:
        props["experience"] = [
            _dated(e, "Experience", _EXPERIENCE_KEYS) for e in profile.experience
        ]
    if profile.education:
        props["education"] = [_dated(e, "Education", _EDUCATION_KEYS) for e in profile.education]
    if profile.skills:
        props["skills"] = list(profile.skills)
    if profile.languages:
        props["languages"] = [_dated(e, "Language", _LANGUAGE_KEYS) for e in profile.languages]
    if profile.certifications:
        props["certifications"] = [
            _dated(e, "Certification", _CERTIFICATION_KEYS) for e in profile.certifications
        ]
    if profile.links:
        props["links"] = [
            {"type": "Link", "name": link["name"], "href": link["url"]} for link in profile.links
        ]
    if profile.connections:
        props["connections"] = profile.connections
    props["acceptsIntroductions"] = profile.accepts_introductions
    return props


def current_role(experience: Sequence[Mapping[str, Any]]) -> str:
    """ "Title at Organization" of the first entry without an end, else ""."""
    for entry in experience:
        if not entry.get("end") and entry.get("title"):
            org = entry.get("organization")
            return f"{entry['title']} at {org}" if org else str(entry["title"])
    return ""


def spoken(languages: Sequence[Mapping[str, Any]]) -> str:
    """ "French (Native or bilingual), English" for the first LANGUAGES_SHOWN languages."""
    shown = []
    for entry in languages[:LANGUAGES_SHOWN]:
        name, level = entry.get("name"), entry.get("proficiency")
        if name:
            shown.append(f"{name} ({level})" if level else str(name))
    return ", ".join(shown)


def essential_fields(profile: Profile) -> list[tuple[str, str]]:
    """(name, HTML value) pairs that show the essentials as profile fields."""
    pairs = [
        ("Headline", profile.headline),
        ("Current role", current_role(profile.experience)),
        ("Industry", profile.industry),
        ("Open to", ", ".join(OPEN_TO_LABELS.get(o, o) for o in profile.open_to)),
        ("Skills", ", ".join(profile.skills[:SKILLS_SHOWN])),
        ("Languages", spoken(profile.languages)),
    ]
    return [(name, html.escape(value)) for name, value in pairs if value]


def attachments(own: Sequence[tuple[str, str]], profile: Profile | None) -> list[tuple[str, str]]:
    """The member's own fields first, then the essentials, at most MAX_ATTACHMENTS."""
    generated = essential_fields(profile) if profile is not None else []
    return [*own, *generated][:MAX_ATTACHMENTS]


def headline_paragraph(headline: str) -> str:
    """The line put at the top of ``summary`` so any server shows the headline."""
    return f"<p>{html.escape(headline)}</p>" if headline else ""
