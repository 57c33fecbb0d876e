"""Public pages anyone may read: posts with a hashtag."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import timelines
from server.store.statuses import Page
from server.web.responses import page
from server.web.routing import PageRoutes
from server.web.session import viewer
from server.web.views import Views

routes = PageRoutes()


@routes.get("/tags/{name}")
async def tag_page(request: web.Request) -> web.Response:
    """Recent public posts with a hashtag (where our hashtag links point)."""
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    name = request.match_info["name"].lower()
    found = await timelines.tag(svc, me, name, Page(limit=40))
    views = await Views(svc, me).load(found)
    return await page(request, "tag.html", tag=name, posts=views.posts(found))
