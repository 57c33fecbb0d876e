"""Media files on disk: written atomically under the data dir, by unguessable names."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

# Names we give files: random, with one of our extensions. Nothing else is ever
# opened, so a request cannot reach outside the folder.
NAME = re.compile(r"^[A-Za-z0-9_-]{32}\.(jpg|png|webp)$")


class MediaFiles:
    """The folder ``DATA/media``; every method is blocking (run it in a thread)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def new_name(extension: str) -> str:
        return f"{secrets.token_urlsafe(24)}.{extension}"

    def write(self, name: str, data: bytes) -> None:
        """Write ``data`` as ``name``: to a temporary file, flushed, then renamed."""
        if not NAME.match(name):
            raise ValueError(f"not a media file name: {name!r}")
        self.root.mkdir(parents=True, exist_ok=True)
        temp = self.root / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            with temp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self.root / name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        with contextlib.suppress(OSError):  # the rename itself survives a power cut
            fd = os.open(self.root, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def remove(self, *names: str) -> None:
        for name in names:
            if NAME.match(name):
                with contextlib.suppress(FileNotFoundError):
                    (self.root / name).unlink()

    def path(self, name: str) -> Path | None:
        """The file called ``name``, if the name is one of ours and the file exists."""
        if not NAME.match(name):
            return None
        found = self.root / name
        return found if found.is_file() else None
