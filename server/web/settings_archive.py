"""Settings, "Your archive": ask for an archive of everything the member has
(``services/archive``), watch it being built, download it. The page refreshes
itself while the archive is built (no JavaScript needed); the download link
answers only to the member signed in."""

from __future__ import annotations

from aiohttp import web

from server.api.archive import download_response
from server.appkeys import SERVICES
from server.services.archive import jobs
from server.services.errors import ServiceError
from server.web.responses import page, redirect
from server.web.routing import PageRoutes
from server.web.session import member

routes = PageRoutes()
REFRESH_SECONDS = 3


async def _page(
    request: web.Request, *, error: str | None = None, status: int = 200
) -> web.Response:
    session = await member(request)
    svc = request.app[SERVICES]
    archive = await jobs.latest(svc, session.account)
    building = archive is not None and archive.state == "pending"
    percent = 0
    if archive is not None and archive.total:
        percent = min(100, archive.done * 100 // archive.total)
    return await page(
        request,
        "settings/archive.html",
        tab="archive",
        archive=archive,
        percent=percent,
        refresh=REFRESH_SECONDS if building else None,
        kept_days=jobs.KEPT.days,
        error=error,
        http_status=status,
    )


@routes.get("/settings/archive")
async def archive_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post("/settings/archive")
async def ask(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    try:
        await jobs.request(request.app[SERVICES], session.account)
    except ServiceError as exc:
        return await _page(request, error=str(exc), status=exc.status)
    raise redirect(request, "/settings/archive", flash="Your archive is being built.")


@routes.get("/settings/archive/{name}")
async def download(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    name = request.match_info["name"]
    path = await jobs.file_of(request.app[SERVICES], session.account, name)
    return download_response(path, name)
