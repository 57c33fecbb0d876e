"""Media: uploading images, describing them, attaching them to posts, and
the images of remote posts (kept as URLs, never fetched or proxied)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import attachments as wire
from server.services import images
from server.services.context import Services
from server.services.errors import NotFound, ValidationError
from server.store import media as q
from server.store.accounts import AccountRow
from server.store.files import MediaFiles
from server.store.media import MediaRow

DESCRIPTION_MAX = 1500
MAX_PER_POST = 4


def files(svc: Services) -> MediaFiles:
    return MediaFiles(svc.config.data_dir / "media")


def _description(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            f"description must be at most {DESCRIPTION_MAX} characters", field="description"
        )
    return value.strip()


async def _store_files(svc: Services, processed: images.Processed) -> tuple[str, str]:
    """Write the image and its thumbnail (durably, before any row names them)."""
    store = files(svc)
    name = store.new_name(processed.extension)
    thumb = store.new_name(processed.extension)
    await asyncio.to_thread(store.write, name, processed.original.data)
    await asyncio.to_thread(store.write, thumb, processed.thumbnail.data)
    return name, thumb


async def process(svc: Services, data: bytes, kind: str) -> images.Processed:
    """Check and re-encode an image, in a thread (``kind`` as ``images.process`` takes it)."""
    settings = svc.config.media
    return await asyncio.to_thread(
        images.process,
        data,
        max_bytes=settings.max_image_bytes,
        max_pixels=settings.max_image_pixels,
        kind=kind,
    )


async def upload(
    svc: Services,
    account: AccountRow,
    data: bytes,
    *,
    description: str | None = None,
    focus: str | None = None,
) -> MediaRow:
    """Check, clean and store an image ``account`` uploaded; not attached to anything yet."""
    text = _description(description) or ""
    point = images.focus(focus)
    processed = await process(svc, data, "attachment")
    name, thumb = await _store_files(svc, processed)
    try:
        async with svc.db.transaction() as conn:
            return await q.insert_media(
                conn,
                {
                    "id": svc.db.new_id(),
                    "account_id": account.id,
                    "file_name": name,
                    "thumbnail_name": thumb,
                    "content_type": processed.content_type,
                    "file_size": len(processed.original.data),
                    "thumbnail_size": len(processed.thumbnail.data),
                    "width": processed.original.width,
                    "height": processed.original.height,
                    "thumbnail_width": processed.thumbnail.width,
                    "thumbnail_height": processed.thumbnail.height,
                    "description": text,
                    "focus_x": point[0] if point else None,
                    "focus_y": point[1] if point else None,
                    "blurhash": processed.blurhash,
                    "created_at": svc.now(),
                },
            )
    except BaseException:
        await asyncio.to_thread(files(svc).remove, name, thumb)
        raise


async def own_media(svc: Services, account: AccountRow, media_id: int) -> MediaRow:
    async with svc.db.read() as conn:
        row = await q.get_media(conn, media_id)
    if row is None or row.account_id != account.id or row.remote_url is not None:
        raise NotFound("Record not found")
    return row


async def describe(
    svc: Services,
    account: AccountRow,
    media_id: int,
    *,
    description: str | None,
    focus: str | None,
) -> MediaRow:
    """Change the alt text or focal point of one's own upload not yet on a post."""
    row = await own_media(svc, account, media_id)
    if row.status_id is not None:
        raise NotFound("Record not found")
    values: dict[str, Any] = {}
    text = _description(description)
    if text is not None:
        values["description"] = text
    if focus is not None:
        point = images.focus(focus)
        values["focus_x"], values["focus_y"] = point if point else (None, None)
    async with svc.db.transaction() as conn:
        if values:
            await q.update_media(conn, row.id, values)
        found = await q.get_media(conn, row.id)
    if found is None:  # deleted meanwhile, as an old unattached upload
        raise NotFound("Record not found")
    return found


async def check_attachable(
    svc: Services, account: AccountRow, media_ids: Sequence[int], status_id: int | None = None
) -> None:
    """``media_ids`` are at most four of ``account``'s own uploads, free to attach."""
    if len(media_ids) > MAX_PER_POST:
        raise ValidationError(
            f"a post can have at most {MAX_PER_POST} attachments", field="media_ids"
        )
    if len(set(media_ids)) != len(media_ids):
        raise ValidationError("the same attachment is given twice", field="media_ids")
    if not media_ids:
        return
    async with svc.db.read() as conn:
        found = await q.attachable(conn, account.id, media_ids, status_id)
    if len(found) != len(media_ids):
        raise ValidationError(
            "media_ids must name your own uploads that are not on another post",
            field="media_ids",
        )


async def attach(
    conn: AsyncConnection,
    account: AccountRow,
    status_id: int,
    media_ids: Sequence[int],
) -> None:
    """Inside the post's transaction: the post's attachments become ``media_ids``."""
    if await q.attach(conn, status_id, account.id, media_ids) != len(media_ids):
        raise ValidationError("an attachment was put on another post meanwhile", field="media_ids")


def url(svc: Services, row: MediaRow) -> str:
    return row.remote_url or svc.urls.media(row.file_name or "")


def preview_url(svc: Services, row: MediaRow) -> str:
    return row.remote_url or svc.urls.media(row.thumbnail_name or row.file_name or "")


def documents(svc: Services, rows: Sequence[MediaRow]) -> list[dict[str, Any]]:
    """A post's attachments as they go out in its Note."""
    return [
        wire.document(
            url=url(svc, row),
            media_type=row.content_type,
            name=row.description,
            width=row.width,
            height=row.height,
            blurhash=row.blurhash,
            focal_point=(row.focus_x, row.focus_y) if row.focus_x is not None else None,
        )
        for row in rows
    ]


def remote_rows(svc: Services, obj: dict[str, Any], account_id: int) -> list[dict[str, Any]]:
    """The image attachments of an incoming post, as rows (URLs only)."""
    now = svc.now()
    return [
        {
            "id": svc.db.new_id(),
            "account_id": account_id,
            "position": position,
            "content_type": image.media_type,
            "width": image.width,
            "height": image.height,
            "description": image.name,
            "focus_x": image.focal_point[0] if image.focal_point else None,
            "focus_y": image.focal_point[1] if image.focal_point else None,
            "blurhash": image.blurhash,
            "remote_url": image.url,
            "created_at": now,
        }
        for position, image in enumerate(wire.read_images(obj))
    ]


async def store_remote(
    svc: Services,
    conn: AsyncConnection,
    status_id: int,
    obj: dict[str, Any],
    account_id: int,
    *,
    fresh: bool = False,
    domain: str | None = None,
) -> None:
    """Inside the incoming post's transaction: its images as it now lists them
    (``fresh``: a post stored in this transaction); none from a ``domain`` whose
    block rejects its media."""
    rows = remote_rows(svc, obj, account_id)
    if domain and rows and await svc.domains.rejects_media(domain):
        rows = []
    await q.replace_remote(conn, status_id, rows, fresh=fresh)
