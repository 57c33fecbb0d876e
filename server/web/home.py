"""The home page: for visitors, what this community is; for members, their timeline
(posts of the people they follow and are connected with) under the composer, and
beside it reasons to talk (``web/warmth.py``) and the events their network is
going to (each box hidden when it has nothing). An event is shown once: the
reasons to talk leave out the events of the events box.

"Older posts" is a link (``/?max_id=``); with htmx it fetches the next page as a
fragment that replaces the link in place. A newcomer's empty home says what
fills it and offers people to start with: people they may know, else the
members who joined last.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from server.appkeys import SERVICES
from server.services import connections, events, members, network, timelines, warmth
from server.services.context import Services
from server.store.accounts import AccountRow
from server.store.statuses import Page, StatusRow
from server.web import warmth as warmth_pages
from server.web.composing import composer_context
from server.web.eventviews import cards
from server.web.responses import fragment, page
from server.web.routing import PageRoutes, is_htmx, query_id
from server.web.session import viewer
from server.web.views import PersonView, Views

routes = PageRoutes()
PAGE_SIZE = 20
SUGGESTIONS = 3
NEWCOMERS = 5
EVENTS = 3  # the aside's "Events your connections are going to"
REASONS = 5  # the aside's "Reasons to talk"


@dataclass(frozen=True, slots=True)
class MyStats:
    connections: int
    followers: int
    posts: int


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    session = await viewer(request)
    if session is None:
        return await landing(request)
    svc, me = request.app[SERVICES], session.account
    max_id = query_id(request)
    found = await timelines.home(svc, me, Page(limit=PAGE_SIZE, max_id=max_id))
    older = found[-1].id if len(found) == PAGE_SIZE else None
    if is_htmx(request) and max_id is not None:
        views = await Views(svc, me).load(found)
        return await fragment(
            request, "parts/timeline_page.html", posts=views.posts(found), older=older
        )
    return await _member_home(request, svc, me, found, max_id, older)


async def _member_home(
    request: web.Request,
    svc: Services,
    me: AccountRow,
    found: list[StatusRow],
    max_id: int | None,
    older: int | None,
) -> web.Response:
    suggestions = await network.people_you_may_know(svc, me, limit=SUGGESTIONS)
    newcomers = [] if suggestions else await network.newest_members(svc, me, limit=NEWCOMERS)
    people = [s.account for s in suggestions] + newcomers
    views = await Views(svc, me).load(found, people=people, stats_of=[me.id])
    stats = views.loaded.stats.get(me.id)
    coming = await events.upcoming(svc, me, "network", limit=EVENTS)
    reasons = await warmth.suggestions(
        svc, me, limit=REASONS, exclude_events=[v.event.id for v in coming]
    )
    suggested = [(views.person(s.account), s.mutual_connections) for s in suggestions]
    newcomer_views: list[PersonView] = [views.person(a) for a in newcomers]
    return await page(
        request,
        "home.html",
        posts=views.posts(found),
        older=older,
        older_than=max_id,
        suggestions=suggested,
        newcomers=newcomer_views,
        starters=[p for p, _ in suggested] or newcomer_views,
        events=await cards(svc, me, coming),
        reasons=warmth_pages.views(svc, reasons),
        stats=MyStats(
            connections=await connections.count(svc, me),
            followers=stats.followers if stats else 0,
            posts=stats.statuses if stats else 0,
        ),
        **composer_context(request, inline=True),
    )


async def landing(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    member_count = await members.count_members(svc.db)
    found = await timelines.public(svc, None, Page(limit=5), local=True)
    views = await Views(svc, None).load(found)
    return await page(request, "landing.html", member_count=member_count, posts=views.posts(found))


# Reasons to talk: what their actions lead to (web/warmth.py).
routes.get(r"/warmth/congratulate/{account_id:\d+}")(warmth_pages.congratulate_page)
routes.post(r"/warmth/congratulate/{account_id:\d+}")(warmth_pages.congratulate)
routes.post("/warmth/dismiss")(warmth_pages.dismiss)


@routes.get("/about")
async def about(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    member_count = await members.count_members(svc.db)
    return await page(request, "about.html", member_count=member_count)
