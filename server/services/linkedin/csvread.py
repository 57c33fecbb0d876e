"""One CSV of a LinkedIn export: decoded, its "Notes:" preamble skipped, its
header read through aliases (years and languages differ), rows capped.

Cells are kept as text. A cell that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@``, tab, CR first) is never evaluated here, and
``csv_safe`` neutralises it for anything written back out as CSV.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from server.services.linkedin import ImportRefused

MAX_ROWS = 30_000  # LinkedIn caps a member's connections at 30,000
MAX_CELL = 20_000  # characters; a long recommendation or summary fits
HEADER_SCAN = 30  # rows looked at to find the header
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    name: str  # as in the archive, e.g. "Positions.csv"
    rows: list[dict[str, str]] = field(default_factory=list)  # canonical column -> cell
    first_line: int = 1  # the line number of rows[0], for warnings
    columns: tuple[str, ...] = ()


def fold(text: str) -> str:
    """A header cell compared without case, accents, punctuation or spacing."""
    text = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff")).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def csv_safe(cell: str) -> str:
    """A cell as written back out to CSV: a formula-looking one gets a leading
    apostrophe, so a spreadsheet shows it instead of running it."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_START)


def decode(data: bytes, name: str, warnings: list[str]) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252 / Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[3:], "utf-8", name)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16", name)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _legacy(data, name, warnings)
    _refuse_binary(text, name)
    return text


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise ImportRefused(f"{name} cannot be read as {encoding.upper()} text") from None


def _legacy(data: bytes, name: str, warnings: list[str]) -> str:
    if data[1:200:2].count(0) > 50:  # UTF-16 without a BOM (ASCII in every other byte)
        try:
            text = data.decode("utf-16-le")
            warnings.append(f"{name} is not UTF-8; it was read as UTF-16")
            return text
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("cp1252")
        warnings.append(f"{name} is not UTF-8; it was read as Windows-1252 (Western European)")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        warnings.append(f"{name} is not UTF-8; it was read as Latin-1")
    return text


def _refuse_binary(text: str, name: str) -> None:
    sample = text[:4096]
    bad = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t")
    if "\x00" in sample or bad > max(8, len(sample) // 50):
        raise ImportRefused(f"{name} is not a text CSV file (it looks binary)")


def _header_at(rows: list[list[str]], aliases: Mapping[str, str], needed: int) -> int | None:
    for index, row in enumerate(rows[:HEADER_SCAN]):
        known = {aliases[fold(cell)] for cell in row if fold(cell) in aliases}
        if len(known) >= needed:
            return index
    return None


def read_table(
    data: bytes,
    name: str,
    aliases: Mapping[str, str],
    warnings: list[str],
    *,
    needed: int = 2,
) -> Table:
    """Rows of ``name`` keyed by canonical column (``aliases``: folded header ->
    canonical). ``needed``: how many known columns make a row the header."""
    text = decode(data, name, warnings)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    head: list[list[str]] = []
    table = Table(name)
    header: list[str | None] | None = None
    try:
        for raw in reader:
            if header is None:
                head.append(raw)
                at = _header_at(head[-1:], aliases, needed) if len(head) <= HEADER_SCAN else None
                if at is not None:
                    header = [aliases.get(fold(cell)) for cell in raw]
                    table.columns = tuple(c for c in header if c)
                    table.first_line = reader.line_num + 1
                elif len(head) > HEADER_SCAN:
                    break
                continue
            if len(table.rows) >= MAX_ROWS:
                warnings.append(f"{name}: only the first {MAX_ROWS} rows were read")
                break
            table.rows.append(_row(raw, header, name, reader.line_num, warnings))
    except csv.Error as exc:
        raise ImportRefused(
            f"{name} line {reader.line_num} is not valid CSV ({exc}); is a quote left open?"
        ) from None
    if header is None:
        raise ImportRefused(f"{name} has no header row that names the columns we know")
    return table


def _row(
    raw: list[str], header: list[str | None], name: str, line: int, warnings: list[str]
) -> dict[str, str]:
    row: dict[str, str] = {}
    for key, cell in zip(header, raw, strict=False):
        if key is None or key in row:
            continue
        if len(cell) > MAX_CELL:
            warnings.append(f"{name} line {line}: a cell longer than {MAX_CELL} characters was cut")
            cell = cell[:MAX_CELL]
        row[key] = cell
    return row
