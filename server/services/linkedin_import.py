"""Importing a LinkedIn data export into a member's profile: one service
function for the three doors (API, pages, command line).

The export is read and checked first (``services.linkedin``); then, in one
transaction, the profile changes as a profile edit would (``apply_profile``,
same rules) and followers get one Update; languages, certifications, contacts
and recommendations are stored with it. A dry run reads and reports, and
writes nothing. By default what the member has is kept (entries are added,
empty fields filled); ``replace`` overwrites each part the export holds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services import profiles
from server.services.actors import send_update
from server.services.context import Services
from server.services.html import strip_html
from server.services.linkedin import mapping
from server.services.members import SUMMARY_MAX, ProfileChanges, apply_profile
from server.store import accounts as accounts_q
from server.store import linkedin as q
from server.store.accounts import AccountRow

UPLOAD_MAX = 25 * 1024 * 1024  # the ZIP as uploaded (LinkedIn's are a few MB)
PARTS = ("experience", "education", "skills", "languages", "certifications", "recommendations")
TEXTS = ("headline", "summary", "location", "industry")
_CAPS = {
    "experience": profiles.EXPERIENCE_MAX,
    "education": profiles.EDUCATION_MAX,
    "skills": profiles.SKILLS_MAX,
    "languages": mapping.LANGUAGES_MAX,
    "certifications": mapping.CERTIFICATIONS_MAX,
}


@dataclass
class ImportReport:
    profile: dict[str, Any] = field(default_factory=dict)  # what is (or would be) set
    imported: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    connections: dict[str, int] = field(default_factory=lambda: {"found": 0, "matched": 0})
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    replace: bool = False
    files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "replace": self.replace,
            "files": self.files,
            "profile": self.profile,
            "imported": self.imported,
            "connections": self.connections,
            "warnings": self.warnings,
        }


def _key(part: str, entry: Any) -> Any:
    if part == "skills":
        return str(entry).casefold()

    def get(name: str) -> str:
        return str(entry.get(name) or "").casefold()

    if part == "experience":
        return (get("title"), get("organization"), get("start"))
    if part == "education":
        return (get("school"), get("degree"), get("start"))
    return get("name")


def _combine(
    part: str, have: list[Any], found: list[Any], replace: bool, report: ImportReport
) -> list[Any] | None:
    """The part's new list, or None when it stays as it is."""
    if not found:
        return None
    cap = _CAPS[part]
    if replace:
        combined, added = list(found), len(found)
    else:
        known = {_key(part, entry) for entry in have}
        new = [entry for entry in found if _key(part, entry) not in known]
        if not new:
            return None
        combined, added = [*have, *new], len(new)
    if len(combined) > cap:
        dropped = len(combined) - cap
        report.warnings.append(
            f"{part}: a profile holds at most {cap}; {dropped} of the imported were left out"
        )
        combined, added = combined[:cap], max(0, added - dropped)
    report.imported[part] = added
    return combined if combined != have else None


def _texts(member: AccountRow, export: mapping.Export, replace: bool) -> dict[str, str]:
    have = {
        "headline": member.headline,
        "summary": strip_html(member.summary or "").strip(),
        "location": member.location,
        "industry": member.industry,
    }
    out = {}
    for name in TEXTS:
        value = export.profile.get(name, "")
        if name == "summary":
            value = value[:SUMMARY_MAX]
        if value and (replace or not (have[name] or "").strip()) and value != have[name]:
            out[name] = value
    return out


async def _plan(
    conn: AsyncConnection, member: AccountRow, export: mapping.Export, report: ImportReport
) -> tuple[ProfileChanges | None, dict[str, list[Any]] | None, list[dict[str, Any]]]:
    """What changes: the profile, the extras (None: unchanged), the new recommendations."""
    texts = _texts(member, export, report.replace)
    lists = {}
    for part in ("experience", "education", "skills"):
        combined = _combine(
            part, getattr(member, part), getattr(export, part), report.replace, report
        )
        if combined is not None:
            lists[part] = combined
    report.profile = {**texts, **lists}
    changes = ProfileChanges(**texts, **lists) if report.profile else None
    extras = await q.get_extras(conn, member.id)
    new_extras = {}
    for part in ("languages", "certifications"):
        combined = _combine(part, extras[part], getattr(export, part), report.replace, report)
        if combined is not None:
            new_extras[part] = combined
    report.profile.update(new_extras)
    have = {(r.author.casefold(), r.text) for r in await q.list_recommendations(conn, member.id)}
    recs = [r for r in export.recommendations if (r["author"].casefold(), r["text"]) not in have]
    report.imported["recommendations"] = len(recs)
    keys = [c["url_key"] for c in export.contacts if c["url_key"]]
    matches = await q.findable_accounts(conn, keys, exclude=member.id)
    report.connections = {
        "found": len(export.contacts),
        "matched": sum(1 for c in export.contacts if c["url_key"] in matches),
    }
    return changes, ({**extras, **new_extras} if new_extras else None), recs


async def _write(
    svc: Services,
    conn: AsyncConnection,
    member: AccountRow,
    export: mapping.Export,
    plan: tuple[ProfileChanges | None, dict[str, list[Any]] | None, list[dict[str, Any]]],
) -> None:
    changes, extras, recs = plan
    now = svc.now()
    # The extras first: the actor sent to followers lists languages and certifications.
    if extras is not None:
        await q.set_extras(conn, member.id, extras["languages"], extras["certifications"], now)
    account = member
    if changes is not None:
        account = await apply_profile(conn, member, changes, now)
    if account is not member or extras is not None:
        await send_update(svc, conn, account)
    if "Connections.csv" in export.files:
        contacts = [{**c, "id": svc.db.new_id(), "created_at": now} for c in export.contacts]
        await q.replace_contacts(conn, member.id, contacts)
    await q.insert_recommendations(
        conn,
        [
            {**r, "id": svc.db.new_id(), "account_id": member.id, "shown": False, "created_at": now}
            for r in recs
        ],
    )


async def import_export(
    svc: Services, member: AccountRow, data: bytes, *, dry_run: bool, replace: bool
) -> ImportReport:
    """Read ``data`` (the ZIP LinkedIn sent) and import it into ``member``'s
    profile; raises ImportRefused (422/413, with words) when it cannot be read."""
    export = await asyncio.to_thread(mapping.read_export, data)
    report = ImportReport(dry_run=dry_run, replace=replace, files=export.files)
    report.warnings.extend(export.warnings)
    if dry_run:
        async with svc.db.read() as conn:
            current = await accounts_q.get_account(conn, member.id) or member
            await _plan(conn, current, export, report)
        return report
    await svc.keyring.for_account(member.id, member.username)  # loaded before the write lock
    async with svc.db.transaction() as conn:
        current = await accounts_q.get_account(conn, member.id) or member
        plan = await _plan(conn, current, export, report)
        await _write(svc, conn, current, export, plan)
    svc.wake.deliveries.set()
    return report
