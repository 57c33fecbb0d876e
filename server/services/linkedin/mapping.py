"""Rows of a LinkedIn export -> what a Warmline profile holds, checked entry by
entry with the rules of a profile edit (``services.profiles``): an entry that
fails is skipped with a warning naming its file and row, never the import."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from server.services import profiles
from server.services.errors import ValidationError
from server.services.linkedin import archive, columns, dates
from server.services.linkedin.csvread import Table, read_table

SUMMARY_MAX = 2600  # LinkedIn's own "About" limit; the profile's is checked again on apply
LANGUAGES_MAX = 20
CERTIFICATIONS_MAX = 50
RECOMMENDATIONS_MAX = 200
CONTACT_FIELD_MAX = 200
# Statuses of a recommendation the member received (others: pending or declined).
_SHOWN_OR_HIDDEN = ("visible", "hidden", "sichtbar", "ausgeblendet", "masquee", "masquée", "oculta")
_SLUG = re.compile(r"^/(in|pub)/([^/?#]+)")


@dataclass
class Export:
    profile: dict[str, str] = field(default_factory=dict)  # headline, summary, location, industry
    experience: list[dict[str, Any]] = field(default_factory=list)
    education: list[dict[str, Any]] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    languages: list[dict[str, str]] = field(default_factory=list)
    certifications: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    recommendations: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the files that were read


def clean(value: str | None, limit: int, *, lines: bool = False) -> str:
    """Control characters dropped, spaces tidied, cut to ``limit`` characters."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    keep = "\n" if lines else ""
    value = "".join(ch if unicodedata.category(ch) != "Cc" or ch in keep else " " for ch in value)
    if lines:
        value = "\n".join(" ".join(line.split()) for line in value.split("\n")).strip()
    else:
        value = " ".join(value.split())
    return value[:limit].rstrip()


def url_key(url: str | None) -> str | None:
    """``linkedin.com/in/jane-doe`` for any spelling of a member's LinkedIn address."""
    url = (url or "").strip()
    if not url:
        return None
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        return None
    match = _SLUG.match(parts.path)
    if not match:
        return None
    slug = unquote(match.group(2)).strip().casefold()
    if not slug or len(slug) > 150 or any(ch in slug for ch in " /\\"):
        return None
    return f"linkedin.com/{match.group(1)}/{slug}"


def _checked(check: Any, entry: dict[str, Any], where: str, warnings: list[str]) -> Any:
    try:
        return check([entry])[0]
    except ValidationError as exc:
        warnings.append(f"{where}: {exc.message.removeprefix('[0].')}, skipped")
        return None


def _positions(table: Table, out: Export) -> None:
    for i, row in enumerate(table.rows, 1):
        where = f"{table.name} row {i}"
        entry = {
            "title": clean(row.get("title"), profiles.NAME_MAX),
            "organization": clean(row.get("organization"), profiles.NAME_MAX),
            "start": dates.month(row.get("start", "")),
            "end": dates.month(row.get("end", "")),
            "description": clean(row.get("description"), profiles.DESCRIPTION_MAX, lines=True),
        }
        if not entry["title"]:
            out.warnings.append(f"{where}: no title, skipped")
            continue
        if not entry["organization"]:
            out.warnings.append(f"{where}: no company, skipped")
            continue
        if entry["start"] and entry["end"] and entry["end"] < entry["start"]:
            out.warnings.append(f"{where}: ends before it starts; the end date was left out")
            entry["end"] = None
        if checked := _checked(profiles.experience, entry, where, out.warnings):
            out.experience.append(checked)


def _education(table: Table, out: Export) -> None:
    for i, row in enumerate(table.rows, 1):
        where = f"{table.name} row {i}"
        entry = {
            "school": clean(row.get("school"), profiles.NAME_MAX),
            "degree": clean(row.get("degree"), profiles.NAME_MAX),
            "field": clean(row.get("field"), profiles.NAME_MAX),
            "start": dates.month(row.get("start", "")),
            "end": dates.month(row.get("end", "")),
        }
        if not entry["school"]:
            out.warnings.append(f"{where}: no school, skipped")
            continue
        if entry["start"] and entry["end"] and entry["end"] < entry["start"]:
            entry["end"] = None
        if checked := _checked(profiles.education, entry, where, out.warnings):
            out.education.append(checked)


def _skills(table: Table, out: Export) -> None:
    seen = {s.casefold() for s in out.skills}
    for row in table.rows:
        skill = clean(row.get("name"), profiles.SKILL_MAX)
        if skill and skill.casefold() not in seen:
            seen.add(skill.casefold())
            out.skills.append(skill)


def _languages(table: Table, out: Export) -> None:
    for row in table.rows:
        name = clean(row.get("name"), 100)
        if name and all(lang["name"].casefold() != name.casefold() for lang in out.languages):
            out.languages.append({"name": name, "proficiency": clean(row.get("proficiency"), 100)})


def _certifications(table: Table, out: Export) -> None:
    for i, row in enumerate(table.rows, 1):
        name = clean(row.get("name"), profiles.NAME_MAX)
        if not name:
            out.warnings.append(f"{table.name} row {i}: no name, skipped")
            continue
        url = clean(row.get("url"), profiles.URL_MAX)
        try:
            url = profiles.http_url(url, "url") if url else ""
        except ValidationError:
            out.warnings.append(f"{table.name} row {i}: the address is not an http(s) URL")
            url = ""
        out.certifications.append(
            {
                "name": name,
                "authority": clean(row.get("authority"), profiles.NAME_MAX),
                "url": url,
                "license": clean(row.get("license"), 100),
                "start": dates.month(row.get("start", "")),
                "end": dates.month(row.get("end", "")),
            }
        )


def _profile(table: Table, out: Export) -> None:
    row = table.rows[0] if table.rows else {}
    limits = {
        "headline": profiles.HEADLINE_MAX,
        "location": profiles.LOCATION_MAX,
        "industry": profiles.INDUSTRY_MAX,
    }
    for name, limit in limits.items():
        if value := clean(row.get(name), limit):
            out.profile[name] = value
    if summary := clean(row.get("summary"), SUMMARY_MAX, lines=True):
        out.profile["summary"] = summary


def _connections(table: Table, out: Export) -> None:
    for row in table.rows:
        contact = {
            "first_name": clean(row.get("first_name"), CONTACT_FIELD_MAX),
            "last_name": clean(row.get("last_name"), CONTACT_FIELD_MAX),
            "url_key": url_key(row.get("url")),
            "email": clean(row.get("email"), 320) or None,
            "company": clean(row.get("company"), CONTACT_FIELD_MAX),
            "position": clean(row.get("position"), CONTACT_FIELD_MAX),
            "connected_on": dates.day(row.get("connected_on", "")),
        }
        if contact["first_name"] or contact["last_name"] or contact["url_key"]:
            out.contacts.append(contact)


def _recommendations(table: Table, out: Export) -> None:
    for i, row in enumerate(table.rows, 1):
        status = clean(row.get("status"), 40).casefold()
        if status and status not in _SHOWN_OR_HIDDEN:
            continue  # pending or declined on LinkedIn: not the member's to show
        author = clean(f"{row.get('first_name', '')} {row.get('last_name', '')}", 200)
        text = clean(row.get("text"), 10_000, lines=True)
        if not author or not text:
            out.warnings.append(f"{table.name} row {i}: no author or no text, skipped")
            continue
        if len(out.recommendations) >= RECOMMENDATIONS_MAX:
            out.warnings.append(f"{table.name}: only {RECOMMENDATIONS_MAX} recommendations kept")
            break
        title = ", ".join(
            part
            for part in (clean(row.get("job_title"), 200), clean(row.get("company"), 200))
            if part
        )[:200]
        out.recommendations.append(
            {
                "author": author,
                "author_title": title,
                "text": text,
                "written_on": dates.day(row.get("written_on", "")),
            }
        )


_READERS = {
    "profile": _profile,
    "positions": _positions,
    "education": _education,
    "skills": _skills,
    "languages": _languages,
    "certifications": _certifications,
    "connections": _connections,
    "recommendations": _recommendations,
}


def read_export(data: bytes, limits: archive.Limits = archive.LIMITS) -> Export:
    """Everything we take from an export's ZIP (raises ImportRefused on an unsafe
    or unreadable file; a bad row is a warning, not a refusal)."""
    members = archive.read_csv_members(data, limits)
    out = Export()
    for kind, names in columns.FILES.items():
        name = next((n for n in names if n in members), None)
        if name is None:
            continue
        table = read_table(
            members[name],
            _display(name),
            columns.aliases(kind),
            out.warnings,
            needed=columns.NEEDED.get(kind, 2),
        )
        out.files.append(table.name)
        _READERS[kind](table, out)
    if not out.files:
        raise archive.ImportRefused(
            "the archive holds none of the files of a LinkedIn export (Profile.csv,"
            " Positions.csv, Connections.csv, ...)"
        )
    return out


def _display(name: str) -> str:
    """``positions.csv`` -> ``Positions.csv``, ``recommendations_received.csv`` ->
    ``Recommendations_Received.csv`` (as LinkedIn names them)."""
    stem = name.removesuffix(".csv")
    return "_".join(part.capitalize() for part in stem.split("_")) + ".csv"
