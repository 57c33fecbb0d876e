"""The home page: for visitors, what this community is; for members, their timeline
(posts of the people they follow and are connected with) under the composer."""

from __future__ import annotations

import secrets

from aiohttp import web

from server.appkeys import SERVICES
from server.services import network, timelines
from server.store import accounts as accounts_q
from server.store.statuses import Page
from server.web.forms import FormState
from server.web.responses import page
from server.web.routing import PageRoutes
from server.web.session import viewer
from server.web.views import Views

routes = PageRoutes()
PAGE_SIZE = 20
SUGGESTIONS = 3


def older_than(request: web.Request) -> int | None:
    value = request.query.get("max_id", "")
    return int(value) if value.isdigit() and len(value) < 20 else None


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    session = await viewer(request)
    if session is None:
        return await landing(request)
    svc, me = request.app[SERVICES], session.account
    found = await timelines.home(svc, me, Page(limit=PAGE_SIZE, max_id=older_than(request)))
    suggestions = await network.people_you_may_know(svc, me, limit=SUGGESTIONS)
    views = await Views(svc, me).load(found, [s.account.id for s in suggestions])
    return await page(
        request,
        "home.html",
        posts=views.posts(found),
        older=found[-1].id if len(found) == PAGE_SIZE else None,
        suggestions=[(views.person(s.account), s.mutual_connections) for s in suggestions],
        composer=FormState.of({"visibility": "public"}),
        idempotency_key=secrets.token_urlsafe(16),
    )


async def landing(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    async with svc.db.read() as conn:
        member_count = await accounts_q.count_local_members(conn)
    found = await timelines.public(svc, None, Page(limit=5), local=True)
    views = await Views(svc, None).load(found)
    return await page(request, "landing.html", member_count=member_count, posts=views.posts(found))


@routes.get("/about")
async def about(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    async with svc.db.read() as conn:
        member_count = await accounts_q.count_local_members(conn)
    return await page(request, "about.html", member_count=member_count)
