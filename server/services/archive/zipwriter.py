"""Writing a ZIP file a piece at a time, off the event loop.

Every method blocks (the caller runs it with ``asyncio.to_thread``); one
member of the archive is open for writing at a time, as ``zipfile`` requires.
Compressed text goes through DEFLATE; media files are stored as they are (they
are compressed images already). ZIP64 is on from the start: an archive and a
member may pass 4 GB.
"""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path
from typing import IO, Any

COMPACT = {"ensure_ascii": False, "separators": (",", ":")}


def dumps(value: Any) -> bytes:
    return json.dumps(value, **COMPACT).encode()  # type: ignore[arg-type]


class ArchiveZip:
    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self._open: IO[bytes] | None = None

    def add(self, name: str, data: bytes) -> None:
        """A whole member at once (small files: JSON documents, CSV)."""
        self._zip.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)

    def add_file(self, name: str, path: Path) -> bool:
        """A file from disk, copied in chunks; False if it is gone meanwhile."""
        try:
            self._zip.write(path, name, compress_type=zipfile.ZIP_STORED)
        except FileNotFoundError:
            return False
        return True

    def begin(self, name: str) -> None:
        """Start a member written in parts (``write``), ended by ``end``."""
        info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        self._open = self._zip.open(info, "w", force_zip64=True)

    def write(self, data: bytes) -> None:
        assert self._open is not None, "begin() first"
        self._open.write(data)

    def end(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def close(self) -> None:
        self.end()
        self._zip.close()
