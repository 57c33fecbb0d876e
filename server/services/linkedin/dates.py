"""Dates as LinkedIn exports write them, across years and languages:
"Jan 2020", "2020-01", "03 Mar 2021", "janv. 2020", "März 2019", "1/5/21",
"2021-03-03 10:00:00 UTC", "2015"."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_MONTHS = {
    1: "jan january janv janvier januar ene enero enn gen gennaio",
    2: "feb february fev fevr fevrier februar febrero febbraio",
    3: "mar march mars marz maerz mrz marzo",
    4: "apr april avr avril abr abril aprile",
    5: "may mai mayo mag maggio",
    6: "jun june juin juni junio giu giugno",
    7: "jul july juil juillet juli julio lug luglio",
    8: "aug august aou aout ago agosto",
    9: "sep sept september septembre septiembre set settembre",
    10: "oct october octobre okt oktober octubre ott ottobre",
    11: "nov november novembre noviembre",
    12: "dec december decembre dez dezember dic diciembre dicembre",
}
MONTHS = {word: number for number, words in _MONTHS.items() for word in words.split()}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ t].*)?$")
_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})(?:[ ,].*)?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.strip()).casefold()
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _valid(year: int, month: int, day: int | None) -> tuple[int, int, int | None] | None:
    try:
        date(year, month, day or 1)
    except ValueError:
        return None
    return (year, month, day) if 1900 <= year <= 2200 else None


def _numeric(text: str) -> tuple[int, int, int | None] | None:
    if match := _ISO.match(text):
        year, month, day = match.groups()
        return _valid(int(year), int(month), int(day) if day else None)
    if match := _SLASH.match(text):
        first, second, year_text = (int(g) for g in match.groups())
        year = year_text + 2000 if year_text < 100 else year_text
        if year > date.today().year + 1 and year_text < 100:
            year -= 100
        month, day = (second, first) if first > 12 else (first, second)  # LinkedIn: M/D/YY
        return _valid(year, month, day)
    if match := _MONTH_YEAR.match(text):
        return _valid(int(match.group(2)), int(match.group(1)), None)
    if match := _YEAR.match(text):
        return _valid(int(match.group(1)), 1, None)
    return None


def parse(text: str) -> tuple[int, int, int | None] | None:
    """(year, month, day or None), or None when it is not a date we can read."""
    text = _plain(text)
    if not text:
        return None
    found = _numeric(text)
    if found:
        return found
    words = re.findall(r"[a-z]+|\d+", text)
    year = next((int(w) for w in words if len(w) == 4 and w.isdigit()), None)
    month = next((MONTHS[w] for w in words if w in MONTHS), None)
    day = next((int(w) for w in words if w.isdigit() and len(w) <= 2), None)
    if year is None or month is None:
        return None
    return _valid(year, month, day) or _valid(year, month, None)


def month(text: str) -> str | None:
    """``YYYY-MM`` (what a profile's start and end hold), or None."""
    found = parse(text)
    return f"{found[0]:04d}-{found[1]:02d}" if found else None


def day(text: str) -> str | None:
    """``YYYY-MM-DD`` when the day is known, else ``YYYY-MM``; or None."""
    found = parse(text)
    if not found:
        return None
    year, mon, d = found
    return f"{year:04d}-{mon:02d}-{d:02d}" if d else f"{year:04d}-{mon:02d}"
