"""Reading LinkedIn exports: the archive's safety caps, CSV decoding and headers,
dates in several languages, and rows mapped to profile parts."""

from __future__ import annotations

import codecs
from collections.abc import Callable

import linkedin_samples as samples
import pytest

from server.services.linkedin import ImportRefused, TooLargeImport, archive, columns, dates
from server.services.linkedin.csvread import csv_safe, looks_like_formula, read_table
from server.services.linkedin.mapping import read_export, url_key


@pytest.mark.parametrize(
    ("build", "words", "status"),
    [
        (samples.zip_bomb, "uncompressed", 413),
        (samples.huge_csv, "uncompressed", 413),
        (samples.ratio_bomb, "zip bomb", 422),
        (samples.traversal, "outside itself", 422),
        (samples.absolute, "absolute path", 422),
        (samples.symlink, "symbolic link", 422),
        (samples.too_many_members, "600 files", 422),
        (samples.unbalanced_quotes, "quote left open", 422),
        (samples.binary_garbage, "looks binary", 422),
        (samples.not_a_zip, "not a ZIP", 422),
        (samples.no_known_files, "none of the files", 422),
        (lambda: b"", "empty", 422),
    ],
)
def test_hostile_exports_are_refused_with_words(
    build: Callable[[], bytes], words: str, status: int
) -> None:
    with pytest.raises(ImportRefused) as caught:
        read_export(build())
    assert words in caught.value.message
    assert caught.value.status == status


def test_header_sizes_are_not_trusted() -> None:
    """A member inflating past the cap is stopped while it inflates."""
    limits = archive.Limits(member_bytes=1000, total_bytes=10_000, ratio_floor=10**9)
    data = samples.zip_of({"Skills.csv": "Name\n" + "x\n" * 2000})
    with pytest.raises(TooLargeImport):
        archive.read_csv_members(data, limits)


def test_only_csv_members_are_read_and_nested_zips_ignored() -> None:
    members = archive.read_csv_members(samples.english_old())
    assert "nested.zip" not in members and "skills.csv" in members
    assert "Evil" not in read_export(samples.english_old()).skills


def test_old_english_export() -> None:
    export = read_export(samples.english_old())
    assert export.profile["headline"] == "Founder at Example Co"
    assert export.profile["location"] == "Lyon, France"
    assert export.experience[0] == {
        "title": "Founder", "organization": "Example Co", "start": "2020-01", "end": None,
        "description": "Started it.",
    }  # fmt: skip
    assert export.experience[1]["end"] == "2019-12"
    assert export.skills == ["Python", "Public Speaking"]  # "python" is the same skill
    assert export.languages == [{"name": "French", "proficiency": "Native or bilingual"}]
    assert export.certifications[0]["authority"] == "Amazon"
    assert export.contacts[0]["connected_on"] == "2021-03-03"  # past the Notes preamble
    assert export.contacts[1]["url_key"] == "linkedin.com/in/carol-d"
    assert export.recommendations[0]["author"] == "Bob Builder"
    assert export.warnings == ["Positions.csv row 3: no title, skipped"]


def test_new_english_export_with_bom_in_a_folder() -> None:
    export = read_export(samples.english_new(5))
    assert len(export.contacts) == 5 and export.contacts[0]["first_name"] == "First0"
    assert export.experience[0]["start"] == "2022-06"


def test_french_cp1252_export() -> None:
    export = read_export(samples.french())
    assert export.contacts[0]["first_name"] == "Élodie"
    assert export.contacts[0]["company"] == "Société Générale"
    assert export.experience[0]["start"] == "2018-01" and export.experience[0]["end"] == "2019-12"
    assert export.skills == ["Gestion de projet"]
    assert any("Windows-1252" in w for w in export.warnings)


def test_german_export() -> None:
    export = read_export(samples.german())
    assert export.contacts[0]["last_name"] == "Groß"
    assert export.contacts[0]["connected_on"] == "2021-03-03"
    assert export.experience[0]["start"] == "2017-10"


def test_utf16_with_bom() -> None:
    text = "Name\nRust\n"
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    table = read_table(data, "Skills.csv", columns.aliases("skills"), [], needed=1)
    assert table.rows == [{"name": "Rust"}]


@pytest.mark.parametrize(
    ("text", "month", "day"),
    [
        ("Jan 2020", "2020-01", "2020-01"),
        ("2020-01", "2020-01", "2020-01"),
        ("03 Mar 2021", "2021-03", "2021-03-03"),
        ("janv. 2020", "2020-01", "2020-01"),
        ("12 févr. 2022", "2022-02", "2022-02-12"),
        ("März 2019", "2019-03", "2019-03"),
        ("Okt. 2017", "2017-10", "2017-10"),
        ("ene 2016", "2016-01", "2016-01"),
        ("1/5/21", "2021-01", "2021-01-05"),
        ("03/03/21, 10:00 AM", "2021-03", "2021-03-03"),
        ("2021-03-03 10:00:00 UTC", "2021-03", "2021-03-03"),
        ("2015", "2015-01", "2015-01"),
        ("Present", None, None),
        ("", None, None),
        ("31 Feb 2020", "2020-02", "2020-02"),
    ],
)
def test_dates(text: str, month: str | None, day: str | None) -> None:
    assert (dates.month(text), dates.day(text)) == (month, day)


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.linkedin.com/in/Jane-Doe/", "linkedin.com/in/jane-doe"),
        ("http://fr.linkedin.com/in/jane-doe?trk=x", "linkedin.com/in/jane-doe"),
        ("linkedin.com/in/jane%20doe", None),
        ("https://evil.test/in/jane", None),
        ("https://linkedin.com.evil.test/in/jane", None),
        ("https://www.linkedin.com/company/acme", None),
        ("", None),
    ],
)
def test_url_key(url: str, key: str | None) -> None:
    assert url_key(url) == key


def test_formula_cells_are_text_and_neutralised_on_the_way_out() -> None:
    export = read_export(samples.english_old())
    cell = export.contacts[1]["company"]
    assert cell.startswith("=HYPERLINK") and looks_like_formula(cell)
    assert csv_safe(cell) == "'" + cell
    for start in ("+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_safe(start).startswith("'")
    assert csv_safe("Acme") == "Acme"


def test_row_limits() -> None:
    warnings: list[str] = []
    long = "x" * 30_000
    data = f"Name\n{long}\n".encode()
    table = read_table(data, "Skills.csv", columns.aliases("skills"), warnings, needed=1)
    assert len(table.rows[0]["name"]) == 20_000
    assert any("was cut" in w for w in warnings)


def test_no_header_is_refused() -> None:
    with pytest.raises(ImportRefused, match="no header row"):
        read_table(b"a,b\n1,2\n", "Positions.csv", columns.aliases("positions"), [])
