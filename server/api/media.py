"""Media: ``/api/v1/media`` and ``/api/v2/media`` (upload), get and describe one's
uploads, the MediaAttachment entity, and the files themselves at ``/media/{name}``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.responses import ok
from server.api.uploads import read_form
from server.appkeys import SERVICES
from server.services import images
from server.services import media as service
from server.services.context import Services
from server.services.errors import NotFound, ValidationError
from server.store.media import MediaRow

routes = web.RouteTableDef()
ID = r"{id:\d+}"
CACHE = "public, max-age=31536000, immutable"


def _meta(width: int | None, height: int | None) -> dict[str, Any]:
    return {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": round(width / height, 4),
    }


def attachment(svc: Services, row: MediaRow) -> dict[str, Any]:
    """The MediaAttachment entity."""
    meta: dict[str, Any] = {}
    if row.width and row.height:
        meta["original"] = _meta(row.width, row.height)
    if row.thumbnail_width and row.thumbnail_height:
        meta["small"] = _meta(row.thumbnail_width, row.thumbnail_height)
    if row.focus_x is not None and row.focus_y is not None:
        meta["focus"] = {"x": row.focus_x, "y": row.focus_y}
    return {
        "id": str(row.id),
        "type": "image",
        "url": service.url(svc, row),
        "preview_url": service.preview_url(svc, row),
        "remote_url": row.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": row.description or None,
        "blurhash": row.blurhash,
    }


@routes.post("/api/v1/media")
@routes.post("/api/v2/media")
async def upload(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:media")
    svc = request.app[SERVICES]
    form, found = await read_form(
        request, files=("file",), max_file_bytes=svc.config.media.max_image_bytes
    )
    if "file" not in found:
        raise ValidationError("file is missing: send the image as multipart 'file'", field="file")
    row = await service.upload(
        svc,
        me.account,
        found["file"],
        description=params.optional_text(form, "description"),
        focus=params.optional_text(form, "focus"),
    )
    return ok(attachment(svc, row))


@routes.get(f"/api/v1/media/{ID}")
async def show(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:media")
    svc = request.app[SERVICES]
    return ok(attachment(svc, await service.own_media(svc, me.account, params.path_id(request))))


@routes.put(f"/api/v1/media/{ID}")
async def describe(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:media")
    svc = request.app[SERVICES]
    form = await params.body(request)
    row = await service.describe(
        svc,
        me.account,
        params.path_id(request),
        description=params.optional_text(form, "description"),
        focus=params.optional_text(form, "focus"),
    )
    return ok(attachment(svc, row))


@routes.get("/media/{name}")
async def serve(request: web.Request) -> web.StreamResponse:
    """A stored image: only names of ours, with the type its extension says."""
    name = request.match_info["name"]
    path = service.files(request.app[SERVICES]).path(name)
    if path is None:
        raise NotFound("Nothing is here")
    response = web.FileResponse(
        path,
        headers={
            "Content-Type": images.CONTENT_TYPES[name.rsplit(".", 1)[1]],
            "Cache-Control": CACHE,
            "X-Content-Type-Options": "nosniff",
            "Access-Control-Allow-Origin": "*",
        },
    )
    return response
