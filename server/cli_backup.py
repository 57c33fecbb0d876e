"""``warmline backup FILE`` and ``warmline restore FILE``.

A backup is one uncompressed tar file:

* ``manifest.json``, first: ``{"format": "warmline-backup", "format_version": 1,
  "warmline_version", "schema" (the Alembic revision of the snapshot), "dialect"
  ("sqlite" or "postgresql"), "created_at" (ISO 8601, UTC), "domain",
  "database" (the name of the next entry)}``;
* ``database.sqlite3`` (SQLite's online backup: a plain database file) or
  ``database.pgdump`` (``pg_dump --format=custom``): a consistent snapshot taken
  while the server runs;
* ``media/NAME``: the uploaded files, copied after the snapshot (a file
  uploaded in between comes back as a file no row refers to, which does no harm).

A restore goes only into an empty database and an empty media folder, of the
same dialect and for the same domain (ids and keys are tied to it), and then
migrates: a backup of an older schema is upgraded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import secrets
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from server import __version__
from server.cli_shared import CliError, config_flags, with_db
from server.config import Config
from server.store import Database
from server.store import snapshots as snap
from server.store.files import NAME, MediaFiles

if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

FORMAT = "warmline-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_ENTRY = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MANIFEST_KEYS = ("warmline_version", "schema", "dialect", "created_at", "domain", "database")
MANIFEST_MAX = 64 * 1024


def add_parsers(commands: SubParsers, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands
    backup = commands.add_parser(
        "backup", help="write an online, consistent backup (database and media) to FILE"
    )
    backup.add_argument("file", metavar="FILE", help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    config_flags(backup)
    restore = commands.add_parser(
        "restore", help="restore a backup into an empty data folder or database"
    )
    restore.add_argument("file", metavar="FILE", help="a file written by warmline backup")
    config_flags(restore)


# ---- backup -----------------------------------------------------------------


def cmd_backup(args: argparse.Namespace, config: Config) -> int:
    out = Path(args.file)
    if out.is_dir():
        raise CliError(f"{out} is a folder: give a file name for the backup")
    if out.exists() and not args.force:
        raise CliError(f"{out} exists already: pass --force to overwrite it")
    if not out.parent.is_dir():
        raise CliError(f"cannot write {out}: no folder {out.parent}")
    url = config.effective_database_url
    dialect = snap.dialect_of(url)
    try:
        with tempfile.TemporaryDirectory(prefix=".warmline-backup-", dir=out.parent) as work:
            snapshot = Path(work) / DATABASE_ENTRY[dialect]
            schema = _snapshot(dialect, url, snapshot)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "warmline_version": __version__,
                "schema": schema,
                "dialect": dialect,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "domain": config.domain,
                "database": snapshot.name,
            }
            media = _write_archive(out, manifest, snapshot, config.data_dir / "media")
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    size = out.stat().st_size
    plural = "" if media == 1 else "s"
    print(
        f"backed up {config.domain} ({dialect}, schema {schema}, {media} media file{plural})"
        f" to {out} ({_size(size)})"
    )
    return 0


def _snapshot(dialect: str, url: str, target: Path) -> str:
    if dialect == "sqlite":
        return snap.sqlite_snapshot(url, target)

    async def revision() -> str:
        db = Database(url)
        try:
            return await snap.read_revision(db)
        finally:
            await db.close()

    schema = asyncio.run(revision())
    snap.pg_snapshot(url, target)
    return schema


def _write_archive(out: Path, manifest: dict[str, Any], snapshot: Path, media: Path) -> int:
    """Write the archive next to ``out``, then rename it over: a failed or
    interrupted backup never leaves a partial FILE. Returns the media count."""
    partial = out.with_name(f".{out.name}.{secrets.token_hex(4)}.partial")
    # Backups hold private keys: readable by this user alone.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    count = 0
    try:
        with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w") as tar:
            data = json.dumps(manifest, indent=2).encode() + b"\n"
            tar.addfile(_entry(MANIFEST, len(data)), io.BytesIO(data))
            tar.add(snapshot, arcname=snapshot.name, recursive=False, filter=_plain)
            for path in sorted(media.iterdir()) if media.is_dir() else []:
                if NAME.match(path.name) and _add_media(tar, path):
                    count += 1
            tar.close()
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return count


def _add_media(tar: tarfile.TarFile, path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            tar.addfile(_entry(f"media/{path.name}", size), fh)
    except FileNotFoundError:  # deleted since the listing
        return False
    return True


def _entry(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(datetime.now(UTC).timestamp())
    return info


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


# ---- restore ----------------------------------------------------------------


def cmd_restore(args: argparse.Namespace, config: Config) -> int:
    source = Path(args.file)
    url = config.effective_database_url
    dialect = snap.dialect_of(url)
    with _open_archive(source) as tar:
        manifest = _manifest(tar, source)
        _check_target(manifest, config, dialect)
        entries = _entries(tar, source, manifest)
        _require_empty(config, url, dialect)
        written = _restore_media(tar, entries["media"], config.data_dir / "media")
        try:
            _restore_database(tar, entries["database"], dialect, url, manifest)
        except BaseException:
            MediaFiles(config.data_dir / "media").remove(*written)
            raise
    schema = with_db(config, snap.read_revision)  # with_db migrates first
    upgraded = "" if schema == manifest["schema"] else f", upgraded to schema {schema}"
    plural = "" if len(written) == 1 else "s"
    print(
        f"restored {source} ({manifest['domain']}, {manifest['created_at']}):"
        f" schema {manifest['schema']}{upgraded}, {len(written)} media file{plural}"
    )
    return 0


@contextlib.contextmanager
def _open_archive(source: Path) -> Any:
    try:
        tar = tarfile.open(source, mode="r:*")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        raise CliError(f"cannot read {source}: no such file") from None
    except IsADirectoryError:
        raise CliError(f"cannot read {source}: it is a folder") from None
    except OSError as exc:
        raise CliError(f"cannot read {source}: {exc.strerror or exc}") from None
    except tarfile.TarError:
        raise CliError(f"{source} is not a Warmline backup (not a tar archive)") from None
    with tar:
        try:
            yield tar
        except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
            if isinstance(exc, OSError) and exc.filename:
                raise CliError(f"cannot write {exc.filename}: {exc.strerror or exc}") from None
            raise CliError(f"{source} is damaged: {exc}") from None


def _manifest(tar: tarfile.TarFile, source: Path) -> dict[str, Any]:
    foreign = CliError(f"{source} is not a Warmline backup (no valid {MANIFEST})")
    try:
        info = tar.getmember(MANIFEST)
    except KeyError:
        raise foreign from None
    if not info.isfile() or info.size > MANIFEST_MAX:
        raise foreign
    try:
        manifest = json.loads(_read(tar, info))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise foreign from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise foreign
    version = manifest.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise CliError(f"{source} was written by a newer Warmline (backup format {version})")
    if version != FORMAT_VERSION or not all(
        isinstance(manifest.get(k), str) for k in MANIFEST_KEYS
    ):
        raise foreign
    return manifest


def _read(tar: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    fh = tar.extractfile(info)
    if fh is None:
        raise tarfile.TarError(f"{info.name} is not a file")
    with fh:
        return fh.read()


def _entries(tar: tarfile.TarFile, source: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The database entry and the media entries; refuses anything else."""
    expected = DATABASE_ENTRY.get(manifest["dialect"])
    database, media = None, []
    for info in tar.getmembers():
        name = info.name
        if name == MANIFEST:
            continue
        if not info.isfile():
            raise CliError(f"{source} is damaged: {name!r} is not a plain file")
        if name == expected and name == manifest["database"]:
            database = info
        elif name.startswith("media/") and NAME.match(name.removeprefix("media/")):
            media.append(info)
        else:
            raise CliError(f"{source} is damaged: unexpected entry {name!r}")
    if database is None:
        raise CliError(f"{source} is damaged: it holds no database")
    return {"database": database, "media": media}


def _check_target(manifest: dict[str, Any], config: Config, dialect: str) -> None:
    if manifest["dialect"] != dialect:
        raise CliError(
            f"the backup is of a {manifest['dialect']} database and this instance uses"
            f" {dialect}: restore it into a {manifest['dialect']} database"
        )
    if manifest["domain"] != config.domain:
        raise CliError(
            f"the backup is of {manifest['domain']}, not {config.domain}: its ids and keys"
            " belong to that domain (run the restore with --domain " + manifest["domain"] + ")"
        )
    if manifest["schema"] not in snap.known_revisions():
        raise CliError(
            f"the backup's schema {manifest['schema']} is newer than this Warmline"
            f" ({__version__}) knows: upgrade Warmline first"
        )


def _require_empty(config: Config, url: str, dialect: str) -> None:
    media = config.data_dir / "media"
    if media.is_dir() and any(media.iterdir()):
        raise CliError(f"{media} is not empty: restore only into an empty data folder")
    if dialect == "sqlite":
        if not snap.sqlite_is_empty(url):
            path = snap.sqlite_path(url)
            raise CliError(f"{path} holds a database already: restore only into an empty one")
        return

    async def empty() -> bool:
        db = Database(url)
        try:
            return await snap.pg_is_empty(db)
        finally:
            await db.close()

    if not asyncio.run(empty()):
        raise CliError("the database is not empty: restore only into an empty database")


def _restore_media(tar: tarfile.TarFile, entries: list[tarfile.TarInfo], root: Path) -> list[str]:
    files = MediaFiles(root)
    written: list[str] = []
    try:
        for info in entries:
            name = info.name.removeprefix("media/")
            files.write(name, _read(tar, info))
            written.append(name)
    except BaseException:
        files.remove(*written)
        raise
    return written


def _restore_database(
    tar: tarfile.TarFile,
    info: tarfile.TarInfo,
    dialect: str,
    url: str,
    manifest: dict[str, Any],
) -> None:
    # SQLite: next to the database, so the final move is a rename.
    near = snap.sqlite_path(url).parent if dialect == "sqlite" else None
    if near is not None:
        near.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".warmline-restore-", dir=near) as work:
        snapshot = Path(work) / info.name
        with snapshot.open("wb") as out:
            _copy(tar, info, out)
        if dialect == "sqlite":
            if snap.sqlite_check(snapshot) != manifest["schema"]:
                raise CliError("the backup is damaged: its database and manifest disagree")
            snap.sqlite_install(snapshot, url)
        else:
            snap.pg_load(snapshot, url)


def _copy(tar: tarfile.TarFile, info: tarfile.TarInfo, out: IO[bytes]) -> None:
    fh = tar.extractfile(info)
    if fh is None:
        raise tarfile.TarError(f"{info.name} is not a file")
    with fh:
        while chunk := fh.read(1 << 20):
            out.write(chunk)


COMMANDS = {"backup": cmd_backup, "restore": cmd_restore}
