"""LinkedIn data exports built in memory for the tests: several years' layouts
and languages, and hostile archives. Nothing is fetched."""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from collections.abc import Mapping, Sequence

NOTES = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses'
    " are missing. You will only see email addresses for connections who have allowed their"
    ' connections to see or download their email address."\n'
    "\n"
)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], *, preamble: str = "") -> str:
    out = io.StringIO()
    out.write(preamble)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def zip_of(files: Mapping[str, str | bytes], *, encoding: str = "utf-8") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content.encode(encoding) if isinstance(content, str) else content)
    return buf.getvalue()


def connections_rows(count: int, *, old: bool = True, start: int = 0) -> list[list[str]]:
    when = "03 Mar 2021" if old else "2023-05-17"
    return [
        [f"First{i}", f"Last{i}", f"https://www.linkedin.com/in/person-{i}", "", f"Co {i % 50}",
         "Engineer", when]
        for i in range(start, start + count)
    ]  # fmt: skip


CONNECTIONS_HEADER = [
    "First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On",
]  # fmt: skip


def english_old() -> bytes:
    """An export as LinkedIn sent them around 2021: Notes preamble, "03 Mar 2021"."""
    return zip_of(
        {
            "Profile.csv": table(
                ["First Name", "Last Name", "Maiden Name", "Address", "Birth Date", "Headline",
                 "Summary", "Industry", "Zip Code", "Geo Location", "Twitter Handles", "Websites",
                 "Instant Messengers"],
                [["Jane", "Doe", "", "", "", "Founder at Example Co",
                  "I build things.\nAnd people.", "Software", "", "Lyon, France", "", "", ""]],
            ),
            "Positions.csv": table(
                ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
                [["Example Co", "Founder", "Started it.", "Lyon", "Jan 2020", ""],
                 ["Acme", "Engineer", "", "Paris", "Mar 2015", "Dec 2019"],
                 ["Nobody Inc", "", "", "", "2014", "2015"]],
            ),
            "Education.csv": table(
                ["School Name", "Start Date", "End Date", "Notes", "Degree Name", "Activities"],
                [["INSA Lyon", "2010", "2015", "", "MSc", ""]],
            ),
            "Skills.csv": table(["Name"], [["Python"], ["Public Speaking"], ["python"]]),
            "Languages.csv": table(["Name", "Proficiency"], [["French", "Native or bilingual"]]),
            "Certifications.csv": table(
                ["Name", "Url", "Authority", "Started On", "Finished On", "License Number"],
                [["AWS Solutions Architect", "https://aws.example/cert", "Amazon", "Feb 2021",
                  "", "ABC-1"]],
            ),
            "Connections.csv": table(
                CONNECTIONS_HEADER,
                [["Bob", "Builder", "https://www.linkedin.com/in/bob-builder", "bob@example.com",
                  "Builders", "Boss", "03 Mar 2021"],
                 ["Carol", "Danvers", "https://fr.linkedin.com/in/Carol-D/", "", "=HYPERLINK(\"http://evil.example\",\"x\")",
                  "Pilot", "12 Jan 2020"]],
                preamble=NOTES,
            ),
            "Recommendations_Received.csv": table(
                ["First Name", "Last Name", "Company", "Job Title", "Text", "Creation Date",
                 "Status"],
                [["Bob", "Builder", "Builders", "Boss", "Jane is great to work with.",
                  "03/03/21, 10:00 AM", "VISIBLE"]],
            ),
            "Rich_Media.csv": table(["Date/Time", "Media Link"], [["x", "y"]]),
            "nested.zip": zip_of({"Skills.csv": "Name\nEvil\n"}),
        }
    )  # fmt: skip


def english_new(connections: int = 3) -> bytes:
    """A later layout: ISO dates, the Notes preamble, UTF-8 with a BOM."""
    return zip_of(
        {
            "Basic_LinkedInDataExport_01-01-2024/Connections.csv": "\ufeff"
            + table(CONNECTIONS_HEADER, connections_rows(connections, old=False), preamble=NOTES),
            "Basic_LinkedInDataExport_01-01-2024/Positions.csv": "\ufeff"
            + table(
                ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
                [["Example Co", "CEO", "", "", "2022-06", ""]],
            ),
        }
    )


def french() -> bytes:
    """French headers and dates, in Windows-1252 (as a spreadsheet re-saved them)."""
    files = {
        "Connections.csv": table(
            ["Prénom", "Nom", "URL", "Adresse e-mail", "Entreprise", "Poste", "Connecté le"],
            [["Élodie", "Brûlé", "https://www.linkedin.com/in/elodie-brule", "", "Société Générale",
              "Directrice", "03 mars 2021"]],
            preamble=NOTES,
        ),
        "Positions.csv": table(
            ["Nom de l'entreprise", "Titre", "Description", "Lieu", "Commencé le", "Terminé le"],
            [["Crédit Agricole", "Chargée d'affaires", "", "Lyon", "janv. 2018", "déc. 2019"]],
        ),
        "Skills.csv": table(["Nom"], [["Gestion de projet"]]),
    }  # fmt: skip
    return zip_of(files, encoding="cp1252")


def german() -> bytes:
    return zip_of(
        {
            "Connections.csv": table(
                ["Vorname", "Nachname", "URL", "E-Mail-Adresse", "Unternehmen", "Position",
                 "Verbunden am"],
                [["Jürgen", "Groß", "https://de.linkedin.com/in/juergen-gross", "", "Bosch",
                  "Leiter", "03 März 2021"]],
            ),
            "Positions.csv": table(
                ["Unternehmensname", "Titel", "Beschreibung", "Ort", "Begonnen am", "Beendet am"],
                [["Bosch", "Leiter Vertrieb", "", "Stuttgart", "Okt. 2017", ""]],
            ),
        }
    )  # fmt: skip


# --- hostile ---------------------------------------------------------------------------


def zip_bomb() -> bytes:
    """One CSV of 40 MB of zeros, a few kilobytes compressed."""
    return zip_of({"Connections.csv": table(CONNECTIONS_HEADER, []) + "0" * (40 * 1024 * 1024)})


def ratio_bomb() -> bytes:
    """Under the size caps, but compressed better than any real export (~1000:1)."""
    return zip_of({"Skills.csv": "Name\n" + "a" * (5 * 1024 * 1024)})


def traversal() -> bytes:
    return zip_of({"../../etc/passwd.csv": "Name\nroot\n"})


def absolute() -> bytes:
    return zip_of({"/etc/passwd.csv": "Name\nroot\n"})


def symlink() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("Skills.csv")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def too_many_members() -> bytes:
    return zip_of({f"f{i}.txt": "" for i in range(600)})


def huge_csv() -> bytes:
    """A 30 MB CSV (real rows, not zeros: it compresses like a real one)."""
    rows = connections_rows(1, old=False)[0]
    line = ",".join(rows) + "\n"
    body = line * (30 * 1024 * 1024 // len(line) + 1)
    return zip_of({"Connections.csv": ",".join(CONNECTIONS_HEADER) + "\n" + body})


def unbalanced_quotes() -> bytes:
    return zip_of({"Positions.csv": 'Company Name,Title,Started On\n"Acme,Engineer,Jan 2020\n'})


def binary_garbage() -> bytes:
    return zip_of({"Connections.csv": bytes(range(256)) * 40})


def not_a_zip() -> bytes:
    return b"%PDF-1.4\n" + b"\x00garbage" * 100


def no_known_files() -> bytes:
    return zip_of({"Rich_Media.csv": "Date/Time,Media Link\nx,y\n"})


def big(connections: int = 5000, positions: int = 50, skills: int = 200) -> bytes:
    """For the benchmark: a large, realistic export."""
    positions_rows = [
        [f"Company {i}", f"Role {i}", "Did things. " * 20, "Lyon", f"Jan {1990 + i % 30}", ""]
        for i in range(positions)
    ]
    return zip_of(
        {
            "Connections.csv": table(CONNECTIONS_HEADER, connections_rows(connections),
                                     preamble=NOTES),
            "Positions.csv": table(
                ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
                positions_rows,
            ),
            "Skills.csv": table(["Name"], [[f"Skill {i}"] for i in range(skills)]),
        }
    )  # fmt: skip


def large_upload(megabytes: int = 21) -> bytes:
    """An export of ``megabytes`` MB as uploaded (stored, not compressed): a big
    Connections.csv and a photo, as real exports with media can be."""
    import os

    rows = connections_rows(1, old=False)[0]
    line = ",".join(rows) + "\n"
    csv_bytes = (megabytes - 2) * 1024 * 1024
    text = ",".join(CONNECTIONS_HEADER) + "\n" + line * (csv_bytes // len(line))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("Connections.csv", text)
        zf.writestr("Rich_Media/photo.jpg", os.urandom(2 * 1024 * 1024))
    return buf.getvalue()
