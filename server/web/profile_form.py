"""The profile form: an account's profile as form values, a submitted form as
``ProfileChanges``, and a service's field names (``warmline.experience[1].title``)
as the form's (``experience-3-title``).

Repeating entries (experience, education, links, profile fields) are numbered
rows: ``experience-0-title`` ... with ``experience_rows`` saying how many were
shown. A row whose "Remove" box is ticked, or which was left empty, is not sent
to the service, so the service's entry 1 may be the form's row 3: ``Rows``
remembers which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from multidict import MultiDict

from server.services.html import strip_html
from server.services.members import ProfileChanges
from server.store.accounts import AccountRow
from server.web.routing import Form

SECTIONS: dict[str, tuple[str, ...]] = {
    "experience": ("title", "organization", "start", "end", "description"),
    "education": ("school", "degree", "field", "start", "end"),
    "links": ("name", "url"),
    "fields": ("name", "value"),
}
MAX_ROWS = {"experience": 30, "education": 20, "links": 10, "fields": 8}
TEXTS = ("display_name", "headline", "summary", "location", "industry")
_ENTRY = re.compile(r"^(experience|education|links|fields)\[(\d+)\](?:\.(\w+))?$")


@dataclass(slots=True)
class Rows:
    """How many rows each section shows, and which of them were sent to the service."""

    shown: dict[str, int] = field(default_factory=dict)
    sent: dict[str, list[int]] = field(default_factory=dict)

    def add(self, section: str) -> None:
        if section in SECTIONS:
            self.shown[section] = min(self.shown.get(section, 1) + 1, MAX_ROWS[section] + 1)


def values_of(account: AccountRow) -> tuple[MultiDict[Any], Rows]:
    """The form as it starts: the profile as stored, and one empty row per section."""
    values: MultiDict[Any] = MultiDict()
    values["display_name"] = account.display_name
    values["headline"] = account.headline
    values["summary"] = strip_html(account.summary.replace("</p><p>", "\n\n").replace("<br>", "\n"))
    values["location"] = account.location
    values["industry"] = account.industry
    for item in account.open_to:
        values.add("open_to", item)
    values["skills"] = "\n".join(account.skills)
    entries: dict[str, list[Mapping[str, Any]]] = {
        "experience": account.experience,
        "education": account.education,
        "links": account.links,
        "fields": [{"name": f["name"], "value": strip_html(f["value"])} for f in account.fields],
    }
    rows = Rows()
    for section, found in entries.items():
        for i, entry in enumerate(found):
            for part in SECTIONS[section]:
                values[f"{section}-{i}-{part}"] = entry.get(part) or ""
        rows.shown[section] = len(found) + 1
    return values, rows


def _count(form: Form, section: str) -> int:
    value = form.text(f"{section}_rows")
    shown = int(value) if value.isdigit() and len(value) < 4 else 1
    return max(1, min(shown, MAX_ROWS[section] + 1))


def _entries(form: Form, section: str, rows: Rows) -> list[dict[str, str]]:
    """The section's rows that were neither removed nor left empty."""
    kept, sent = [], []
    for i in range(rows.shown[section]):
        entry = {part: form.text(f"{section}-{i}-{part}") for part in SECTIONS[section]}
        if form.flag(f"{section}-{i}-remove") or not any(v.strip() for v in entry.values()):
            continue
        kept.append(entry)
        sent.append(i)
    rows.sent[section] = sent
    return kept


def changes_of(form: Form) -> tuple[ProfileChanges, Rows]:
    """What the submitted form asks to change (all of it: the form shows every field)."""
    rows = Rows(shown={section: _count(form, section) for section in SECTIONS})
    fields = _entries(form, "fields", rows)
    changes = ProfileChanges(
        **{name: form.text(name) for name in TEXTS},
        open_to=form.texts("open_to"),
        skills=form.text("skills").splitlines(),
        experience=_entries(form, "experience", rows),
        education=_entries(form, "education", rows),
        links=_entries(form, "links", rows),
        fields=[(f["name"], f["value"]) for f in fields],
    )
    return changes, rows


def form_field(service_field: str | None, rows: Rows) -> str:
    """The form's name for a field a service named (``FormState.refused`` shows the
    message next to it); "" for none."""
    name = (service_field or "").removeprefix("warmline.")
    match = _ENTRY.match(name)
    if match:
        section, index, part = match.group(1), int(match.group(2)), match.group(3)
        sent = rows.sent.get(section, [])
        row = sent[index] if index < len(sent) else 0
        # An entry's own error (an end before its start) is shown at its end date.
        part = part or ("end" if section in ("experience", "education") else "name")
        return f"{section}-{row}-{part}"
    if name.startswith("skills"):
        return "skills"
    if name in ("field_name", "field_value"):
        return "fields"
    return name
