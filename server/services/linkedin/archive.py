"""A LinkedIn export's ZIP, read in memory with caps (never extracted to disk).

Refused outright: not a ZIP, too many members, a name that is absolute or
climbs out (``..``), a symbolic link, an encrypted member, more uncompressed
bytes than the caps allow, or a compression ratio only a zip bomb has. Only
``.csv`` members are read (a nested ZIP, a picture or a PDF is ignored).
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass

from server.services.linkedin import ImportRefused, TooLargeImport


@dataclass(frozen=True)
class Limits:
    total_bytes: int = 50 * 1024 * 1024  # uncompressed, all CSV members together
    member_bytes: int = 20 * 1024 * 1024  # uncompressed, one CSV member
    members: int = 500  # entries in the ZIP (LinkedIn's have a few dozen)
    ratio: int = 100  # uncompressed / compressed, past RATIO_FLOOR bytes
    ratio_floor: int = 1024 * 1024


LIMITS = Limits()
_DRIVE = re.compile(r"^[A-Za-z]:")
_CHUNK = 256 * 1024


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if name.startswith(("/", "\\")) or _DRIVE.match(name):
        raise ImportRefused(f"the archive names a file by an absolute path ({name!r})")
    if ".." in re.split(r"[\\/]", name):
        raise ImportRefused(f"the archive names a file outside itself ({name!r})")
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_ISLNK(mode):
        raise ImportRefused(f"the archive holds a symbolic link ({name!r})")
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        raise ImportRefused("the archive holds a file whose name has control characters")


def _check_sizes(info: zipfile.ZipInfo, limits: Limits) -> None:
    base = info.filename.rsplit("/", 1)[-1]
    if info.file_size > limits.member_bytes:
        raise TooLargeImport(
            f"{base} is {info.file_size} bytes uncompressed; at most {limits.member_bytes} are read"
        )
    if info.file_size > limits.ratio_floor and info.file_size > limits.ratio * max(
        info.compress_size, 1
    ):
        raise ImportRefused(f"{base} is compressed too well to be a real export (a zip bomb?)")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, limits: Limits) -> bytes:
    """The member's bytes, counted as they are inflated (sizes in headers can lie)."""
    base = info.filename.rsplit("/", 1)[-1]
    cap = min(limits.member_bytes, budget)
    chunks, size = [], 0
    with zf.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > cap:
                raise TooLargeImport(f"{base} inflates past {cap} bytes; it is not read")
            chunks.append(chunk)
    if size > limits.ratio_floor and size > limits.ratio * max(info.compress_size, 1):
        raise ImportRefused(f"{base} is compressed too well to be a real export (a zip bomb?)")
    return b"".join(chunks)


def read_csv_members(data: bytes, limits: Limits = LIMITS) -> dict[str, bytes]:
    """``{"connections.csv": bytes, ...}``: the CSV members by lower-cased base name
    (the first of a name wins). Raises ImportRefused on anything unsafe."""
    if not data:
        raise ImportRefused("the file is empty")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise ImportRefused(
            "the file is not a ZIP archive: upload the .zip LinkedIn sent (Settings, "
            "Data privacy, Get a copy of your data)"
        ) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.members:
            raise ImportRefused(
                f"the archive holds {len(infos)} files; a LinkedIn export has at most"
                f" {limits.members}"
            )
        for info in infos:
            _check_name(info)
        wanted = [i for i in infos if not i.is_dir() and i.filename.lower().endswith(".csv")]
        declared = sum(i.file_size for i in wanted)
        if declared > limits.total_bytes:
            raise TooLargeImport(
                f"the CSV files add up to {declared} bytes; at most {limits.total_bytes} are read"
            )
        out: dict[str, bytes] = {}
        budget = limits.total_bytes
        for info in wanted:
            _check_sizes(info, limits)
            if info.flag_bits & 0x1:
                raise ImportRefused("the archive is encrypted; upload it as LinkedIn sent it")
            key = info.filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
            if key in out:
                continue
            try:
                content = _read_member(zf, info, budget, limits)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                raise ImportRefused(f"{key} in the archive is damaged and cannot be read") from None
            budget -= len(content)
            out[key] = content
    if not out:
        raise ImportRefused("the archive holds no CSV file: is it a LinkedIn data export?")
    return out
