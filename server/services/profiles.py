"""Checking a member's professional profile as they typed it.

Values arrive loosely typed (JSON or a parsed form) and leave as what is
stored: plain strings, lists of strings and lists of small dicts (see
``federation.profiles`` for the shapes). Anything unacceptable raises
ValidationError naming the field, e.g. ``warmline.experience[2].start``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from server.services.errors import ValidationError

OPEN_TO = ("hiring", "new_role", "mentoring", "investing", "partnering", "speaking")
CONNECTIONS_VISIBILITY = ("public", "connections", "private")
HEADLINE_MAX = 200
LOCATION_MAX = 100
INDUSTRY_MAX = 100
EXPERIENCE_MAX = 30
EDUCATION_MAX = 20
SKILLS_MAX = 50
SKILL_MAX = 80
LINKS_MAX = 10
NAME_MAX = 200  # titles, organisations, schools, degrees, fields of study
DESCRIPTION_MAX = 2000
LINK_NAME_MAX = 100
URL_MAX = 2048

_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _label(field: str) -> str:
    return field.removeprefix("warmline.")


def text(value: Any, field: str, limit: int, *, required: bool = False, lines: bool = False) -> str:
    """A plain string: stripped, within ``limit``, no control characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(f"{_label(field)} must be a string", field=field)
    value = value.strip()
    if required and not value:
        raise ValidationError(f"{_label(field)} must not be empty", field=field)
    if len(value) > limit:
        raise ValidationError(f"{_label(field)} must be at most {limit} characters", field=field)
    allowed = "\n\t" if lines else "\t"
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValidationError(f"{_label(field)} must not contain control characters", field=field)
    return value


def _list(value: Any, field: str, limit: int) -> list[Any]:
    if isinstance(value, Mapping):  # a form's numbered entries: {"0": ..., "1": ...}
        value = [value[k] for k in sorted(value, key=lambda k: (len(str(k)), str(k)))]
    if not isinstance(value, list):
        raise ValidationError(f"{_label(field)} must be a list", field=field)
    if len(value) > limit:
        raise ValidationError(f"{_label(field)}: at most {limit} entries", field=field)
    return value


def _entry(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{_label(field)} must be an object", field=field)
    return value


def profile_date(value: Any, field: str) -> str | None:
    """``YYYY-MM`` or ``YYYY-MM-DD`` of a real date; None or "" for none."""
    if value is None or value == "":
        return None
    match = _DATE.match(value) if isinstance(value, str) else None
    try:
        if match is None:
            raise ValueError
        year, month, day = (int(part) if part else 1 for part in match.groups())
        date(year, month, day)
    except ValueError:
        raise ValidationError(
            f"{_label(field)} must be a date as YYYY-MM or YYYY-MM-DD", field=field
        ) from None
    if not 1900 <= year <= 2200:
        raise ValidationError(f"{_label(field)} must be a year between 1900 and 2200", field=field)
    return str(value)


def _span(entry: Mapping[str, Any], field: str) -> dict[str, str | None]:
    start = profile_date(entry.get("start"), f"{field}.start")
    end = profile_date(entry.get("end"), f"{field}.end")
    if start and end and end < start:  # same-shape ISO strings compare as dates
        raise ValidationError(f"{_label(field)}.end must not be before its start", field=field)
    return {"start": start, "end": end}


def experience(value: Any, field: str = "warmline.experience") -> list[dict[str, Any]]:
    out = []
    for i, raw in enumerate(_list(value, field, EXPERIENCE_MAX)):
        at = f"{field}[{i}]"
        entry = _entry(raw, at)
        out.append(
            {
                "title": text(entry.get("title"), f"{at}.title", NAME_MAX, required=True),
                "organization": text(
                    entry.get("organization"), f"{at}.organization", NAME_MAX, required=True
                ),
                **_span(entry, at),
                "description": text(
                    entry.get("description"), f"{at}.description", DESCRIPTION_MAX, lines=True
                ),
            }
        )
    return out


def education(value: Any, field: str = "warmline.education") -> list[dict[str, Any]]:
    out = []
    for i, raw in enumerate(_list(value, field, EDUCATION_MAX)):
        at = f"{field}[{i}]"
        entry = _entry(raw, at)
        out.append(
            {
                "school": text(entry.get("school"), f"{at}.school", NAME_MAX, required=True),
                "degree": text(entry.get("degree"), f"{at}.degree", NAME_MAX),
                "field": text(entry.get("field"), f"{at}.field", NAME_MAX),
                **_span(entry, at),
            }
        )
    return out


def skills(value: Any, field: str = "warmline.skills") -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(_list(value, field, SKILLS_MAX)):
        skill = " ".join(text(raw, f"{field}[{i}]", SKILL_MAX).split())
        if not skill:
            continue
        if skill.casefold() in seen:
            raise ValidationError(f"skills: {skill!r} is listed twice", field=field)
        seen.add(skill.casefold())
        out.append(skill)
    return out


def open_to(value: Any, field: str = "warmline.open_to") -> list[str]:
    out: list[str] = []
    for raw in _list(value, field, len(OPEN_TO) * 2):
        if raw == "":
            continue
        if raw not in OPEN_TO:
            raise ValidationError(f"open_to must be among {', '.join(OPEN_TO)}", field=field)
        if raw not in out:
            out.append(raw)
    return out


def http_url(value: Any, field: str) -> str:
    url = text(value, field, URL_MAX, required=True)
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url
    except ValueError:
        ok = False
    if not ok or parts.username is not None:
        raise ValidationError(f"{_label(field)} must be an http(s) URL", field=field)
    return url


def links(value: Any, field: str = "warmline.links") -> list[dict[str, str]]:
    out = []
    for i, raw in enumerate(_list(value, field, LINKS_MAX)):
        at = f"{field}[{i}]"
        entry = _entry(raw, at)
        out.append(
            {
                "name": text(entry.get("name"), f"{at}.name", LINK_NAME_MAX, required=True),
                "url": http_url(entry.get("url"), f"{at}.url"),
            }
        )
    return out


def connections_visibility(value: Any, field: str = "warmline.connections_visibility") -> str:
    if value not in CONNECTIONS_VISIBILITY:
        raise ValidationError(
            f"connections_visibility must be one of {', '.join(CONNECTIONS_VISIBILITY)}",
            field=field,
        )
    return str(value)


def flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValidationError(f"{_label(field)} must be true or false", field=field)
