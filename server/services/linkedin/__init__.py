"""Reading a LinkedIn data export ("Get a copy of your data"): a ZIP of CSV files.

``archive`` opens the ZIP safely, ``csvread`` turns one CSV into rows keyed by
canonical column names, ``mapping`` turns rows into profile parts, contacts and
recommendations. ``server.services.linkedin_import`` applies them to a member.
Every refusal is an ``ImportRefused`` (a ValidationError) that says why.
"""

from server.services.errors import ValidationError


class ImportRefused(ValidationError):
    """The upload cannot be read as a LinkedIn export (422, with words)."""


class TooLargeImport(ImportRefused):
    """The export, or a file in it, is larger than we read (413)."""

    status = 413


__all__ = ["ImportRefused", "TooLargeImport"]
