"""A LinkedIn import's report in words, for the command line and the pages."""

from __future__ import annotations

from server.services.linkedin_import import ImportReport

_NAMES = {
    "experience": ("position", "positions"),
    "education": ("school", "schools"),
    "skills": ("skill", "skills"),
    "languages": ("language", "languages"),
    "certifications": ("certification", "certifications"),
    "recommendations": ("recommendation", "recommendations"),
}
_FIELDS = {"headline": "headline", "summary": "about text", "location": "location",
           "industry": "industry"}  # fmt: skip


def _count(n: int, part: str) -> str:
    one, many = _NAMES[part]
    return f"{n} {one if n == 1 else many}"


def sentences(report: ImportReport) -> list[str]:
    """The report as a few plain sentences (warnings not included)."""
    verb = "would add" if report.dry_run else "added"
    added = [_count(n, part) for part, n in report.imported.items() if n]
    lines = [f"This import {verb} " + (", ".join(added) if added else "no new entries") + "."]
    fields = [label for name, label in _FIELDS.items() if name in report.profile]
    if fields:
        lines.append(
            ("It would set" if report.dry_run else "It set") + " your " + ", ".join(fields) + "."
        )
    found, matched = report.connections["found"], report.connections["matched"]
    if found:
        lines.append(
            f"{found} LinkedIn connections were found; {matched} of them are members here who"
            " may be found by their LinkedIn address. The others stay private to you."
        )
    if report.dry_run:
        lines.append("Nothing was changed: this was a preview.")
    return lines


def as_text(report: ImportReport) -> str:
    lines = sentences(report)
    if report.files:
        lines.append("Files read: " + ", ".join(report.files))
    lines += [f"warning: {w}" for w in report.warnings]
    return "\n".join(lines)
