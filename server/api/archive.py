"""Warmline extension routes: the archive of everything a member has.

``POST /api/v1/warmline/account/archive`` asks for one (built in the
background); ``GET`` on the same path says how far it is and, once ready,
where to download it: ``GET /api/v1/warmline/account/archive/{file}``, with
the same token. Both need the ``read`` scope: the archive holds everything.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth
from server.api.responses import ok
from server.appkeys import SERVICES
from server.services.archive import jobs
from server.services.context import Services
from server.store.archives import ArchiveRow

routes = web.RouteTableDef()
PATH = "/api/v1/warmline/account/archive"


def when(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def entity(svc: Services, row: ArchiveRow | None) -> dict[str, Any]:
    """The archive's state for clients; ``state`` is ``none`` before any was asked for."""
    if row is None:
        return {"state": "none", "url": None}
    ready = row.state == "ready" and row.file_name is not None
    return {
        "id": str(row.id),
        "state": row.state,
        "progress": {"done": row.done, "total": row.total},
        "created_at": when(row.created_at),
        "finished_at": when(row.finished_at),
        "expires_at": when(row.expires_at),
        "size": row.file_size if ready else None,
        "url": f"{svc.config.base_url}{PATH}/{row.file_name}" if ready else None,
        "error": row.error if row.state != "ready" else None,
    }


@routes.post(PATH)
async def ask(request: web.Request) -> web.Response:
    me = await auth.required(request, "read")
    svc = request.app[SERVICES]
    row = await jobs.request(svc, me.account)
    return ok(entity(svc, row), status=202 if row.state == "pending" else 200)


@routes.get(PATH)
async def state(request: web.Request) -> web.Response:
    me = await auth.required(request, "read")
    svc = request.app[SERVICES]
    return ok(entity(svc, await jobs.latest(svc, me.account)))


def download_response(path: Any, name: str) -> web.FileResponse:
    """The ZIP as a download (the web settings' link answers the same)."""
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@routes.get(PATH + "/{name}")
async def download(request: web.Request) -> web.FileResponse:
    me = await auth.required(request, "read")
    name = request.match_info["name"]
    path = await jobs.file_of(request.app[SERVICES], me.account, name)
    return download_response(path, name)
