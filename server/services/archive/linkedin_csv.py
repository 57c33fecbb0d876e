"""The profile and network as the CSV files of LinkedIn's "Get a copy of your
data", so they can go anywhere that reads those (and back into a Warmline
server through its LinkedIn import, which takes these very files).

Headers and date forms are LinkedIn's ("Mar 2019", "07 Dec 2026"); a cell
that a spreadsheet would run as a formula gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from server.services.archive.documents import person
from server.services.context import Services
from server.services.html import strip_html
from server.services.linkedin.csvread import csv_safe
from server.store.accounts import AccountRow

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
FOLDER = "linkedin"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_safe("" if cell is None else str(cell)) for cell in row] for row in rows)
    return out.getvalue().encode()


def month(value: str | None) -> str:
    """``2019-03`` (or ``2019-03-14``) as LinkedIn writes it: ``Mar 2019``."""
    if not value:
        return ""
    parts = value.split("-")
    if len(parts) >= 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return parts[0]


def day(value: datetime) -> str:
    return f"{value.day:02d} {MONTHS[value.month - 1]} {value.year}"


def split_name(name: str) -> tuple[str, str]:
    """First and last name out of one display name (the last word is the last name)."""
    first, _, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


DATES = {"start", "end"}


def _rows(entries: Iterable[dict[str, Any]], keys: Sequence[str]) -> list[list[Any]]:
    """One row an entry, its ``keys`` in order (dates written LinkedIn's way)."""
    return [[month(e.get(k)) if k in DATES else e.get(k, "") for k in keys] for e in entries]


def profile_files(account: AccountRow, extras: dict[str, list[Any]]) -> dict[str, bytes]:
    first, last = split_name(account.display_name or account.username)
    about = [first, last, account.headline, strip_html(account.summary), account.industry,
             account.location]  # fmt: skip
    files = {
        "Profile.csv": table(
            ["First Name", "Last Name", "Headline", "Summary", "Industry", "Geo Location"], [about]
        ),
        "Positions.csv": table(
            ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
            _rows(
                account.experience,
                ["organization", "title", "description", "location", "start", "end"],
            ),
        ),
        "Education.csv": table(
            ["School Name", "Start Date", "End Date", "Notes", "Degree Name", "Field Of Study"],
            _rows(account.education, ["school", "start", "end", "description", "degree", "field"]),
        ),
        "Skills.csv": table(["Name"], [[skill] for skill in account.skills]),
        "Languages.csv": table(
            ["Name", "Proficiency"], _rows(extras["languages"], ["name", "proficiency"])
        ),
        "Certifications.csv": table(
            ["Name", "Url", "Authority", "Started On", "Finished On", "License Number"],
            _rows(
                extras["certifications"], ["name", "url", "authority", "start", "end", "license"]
            ),
        ),
    }
    return {f"{FOLDER}/{name}": data for name, data in files.items()}


def current_position(account: AccountRow) -> tuple[str, str]:
    """(company, title) of the first experience entry without an end."""
    for entry in account.experience:
        if not entry.get("end"):
            return entry.get("organization", ""), entry.get("title", "")
    return "", ""


def connections_file(svc: Services, pairs: Iterable[tuple[AccountRow, datetime]]) -> bytes:
    rows = []
    for account, connected_at in pairs:
        first, last = split_name(account.display_name or account.username)
        company, title = current_position(account)
        url = person(svc, account)["uri"]
        rows.append([first, last, url, "", company, title, day(connected_at)])
    header = ["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
              "Connected On"]  # fmt: skip
    return table(header, rows)


def recommendations_file(pairs: Iterable[tuple[Any, AccountRow]]) -> bytes:
    rows = []
    for rec, author in pairs:
        first, last = split_name(author.display_name or author.username)
        company, title = current_position(author)
        status = "VISIBLE" if rec.state == "approved" else "HIDDEN"
        rows.append([first, last, company, title, rec.text, day(rec.created_at), status])
    header = ["First Name", "Last Name", "Company", "Job Title", "Text", "Creation Date", "Status"]
    return table(header, rows)
