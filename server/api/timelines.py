"""Timelines, notifications, follow requests and search."""

from __future__ import annotations

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter, relationship
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import graph, posts, search, timelines
from server.services.errors import ValidationError
from server.store.graph import PENDING

routes = web.RouteTableDef()


@routes.get("/api/v1/timelines/home")
async def home(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:statuses")
    svc = request.app[SERVICES]
    found = await timelines.home(svc, me.account, params.page(request.query))
    presenter = await Presenter(svc, me.account).load(found)
    return paged(request, [presenter.status(s) for s in found], [s.id for s in found])


@routes.get("/api/v1/timelines/public")
async def public(request: web.Request) -> web.Response:
    viewer = await auth.optional(request, "read:statuses")
    svc = request.app[SERVICES]
    query = request.query
    local = (
        True
        if params.boolean(query, "local")
        else False
        if params.boolean(query, "remote")
        else None
    )
    account = viewer.account if viewer else None
    found = await timelines.public(svc, account, params.page(query), local=local)
    presenter = await Presenter(svc, account).load(found)
    return paged(request, [presenter.status(s) for s in found], [s.id for s in found])


@routes.get("/api/v1/follow_requests")
async def follow_requests(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:follows")
    svc = request.app[SERVICES]
    pairs = await graph.related_accounts(
        svc,
        me.account,
        params.page(request.query, maximum=80),
        direction="followers",
        state=PENDING,
    )
    presenter = await Presenter(svc, me.account).load(account_ids=[a.id for _, a in pairs])
    return paged(request, [presenter.account(a) for _, a in pairs], [cursor for cursor, _ in pairs])


async def _answer(request: web.Request, *, accept: bool) -> web.Response:
    me = await auth.required(request, "write:follows")
    svc = request.app[SERVICES]
    follower_id = params.path_id(request)
    await graph.answer_request(svc, me.account, follower_id, accept=accept)
    return ok(relationship((await graph.relationships(svc, me.account, [follower_id]))[0]))


@routes.post(r"/api/v1/follow_requests/{id:\d+}/authorize")
async def authorize(request: web.Request) -> web.Response:
    return await _answer(request, accept=True)


@routes.post(r"/api/v1/follow_requests/{id:\d+}/reject")
async def reject(request: web.Request) -> web.Response:
    return await _answer(request, accept=False)


@routes.get("/api/v2/search")
async def search_v2(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:search")
    svc = request.app[SERVICES]
    query = request.query
    q = query.get("q", "").strip()
    if not q:
        raise ValidationError("q is required", field="q")
    kind = query.get("type")
    resolve = params.boolean(query, "resolve")
    limit = params.limit(query, default=20, maximum=40)
    accounts = (
        await search.accounts(svc, q, resolve=resolve, limit=limit, viewer=me.account)
        if kind in (None, "accounts")
        else []
    )
    statuses = []
    if kind in (None, "statuses") and q.startswith(("https://", "http://")):
        found = await search.status_by_url(svc, q, resolve=resolve)
        statuses = [found] if found and await posts.viewable(svc, me.account, found) else []
    tags = await search.hashtags(svc, q, limit=limit) if kind in (None, "hashtags") else []
    presenter = await Presenter(svc, me.account).load(statuses, [a.id for a in accounts])
    return ok(
        {
            "accounts": [presenter.account(a) for a in accounts],
            "statuses": [presenter.status(s) for s in statuses],
            "hashtags": [
                {"name": t, "url": svc.urls.tag(t), "history": [], "following": False} for t in tags
            ],
        }
    )
