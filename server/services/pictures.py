"""Avatars and headers: storing new pictures, and deleting the files of replaced ones.

An account keeps its pictures as paths (``/media/NAME``); no media row names
them. A picture's file is written before the row that names it commits, and
deleted only after the row stops naming it, so a crash leaves an unnamed file
at worst, never a profile pointing at a missing one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services import media
from server.services.context import Services
from server.store.accounts import AccountRow
from server.store.database import after_commit

PREFIX = "/media/"
COLUMNS = ("avatar_url", "header_url")


async def save_one(svc: Services, data: bytes, kind: str) -> str:
    """Check and store an avatar or header (the image alone: no thumbnail is served
    for them); the path the account keeps (local rows store no domain)."""
    processed = await media.process(svc, data, kind)
    folder = media.files(svc)
    name = folder.new_name(processed.extension)
    await asyncio.to_thread(folder.write, name, processed.original.data)
    return f"{PREFIX}{name}"


async def save(svc: Services, pictures: Mapping[str, bytes]) -> dict[str, str]:
    """Store ``{"avatar": data, "header": data}`` (either or both) as
    ``{"avatar_url": path, ...}``. If one is refused, those stored before it go."""
    saved: dict[str, str] = {}
    try:
        for kind, data in pictures.items():
            saved[f"{kind}_url"] = await save_one(svc, data, kind)
    except BaseException:
        await remove(svc, saved.values())
        raise
    return saved


def _file(path: str | None) -> str | None:
    """The file a local picture path (``/media/NAME``) names."""
    return path.removeprefix(PREFIX) if path and path.startswith(PREFIX) else None


async def remove(svc: Services, paths: Iterable[str | None]) -> None:
    """Delete the files of pictures that no committed row names."""
    names = [name for name in map(_file, paths) if name]
    if names:
        await asyncio.to_thread(media.files(svc).remove, *names)


def drop_replaced(
    svc: Services, conn: AsyncConnection, before: AccountRow, after: AccountRow
) -> None:
    """Inside a profile change's transaction: once it commits, delete the files of
    the avatar and header it replaced. A rollback keeps them (the row still
    names them); a crash after the commit leaves an unnamed file, nothing worse."""
    changed = [
        _file(getattr(before, c)) for c in COLUMNS if getattr(before, c) != getattr(after, c)
    ]
    gone = [name for name in changed if name]
    if gone:
        folder = media.files(svc)
        # An unlink or two, on the loop: after the commit, before the answer.
        after_commit(conn, lambda: folder.remove(*gone))
