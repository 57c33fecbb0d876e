"""Accounts: who am I, look up, profiles, posts, follow, followers."""

from __future__ import annotations

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter, relationship
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import graph, search, timelines
from server.services.errors import NotFound, ValidationError
from server.store.accounts import AccountRow

routes = web.RouteTableDef()
ID = r"{id:\d+}"


@routes.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(request: web.Request) -> web.Response:
    me = await auth.required(request, "profile", "read:accounts")
    presenter = await Presenter(request.app[SERVICES], me.account).load(account_ids=[me.account.id])
    return ok(presenter.account(me.account, source=True))


@routes.get("/api/v1/accounts/lookup")
async def lookup(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    acct = request.query.get("acct", "").strip().lstrip("@")
    if not acct:
        raise ValidationError("acct is required", field="acct")
    account = await search.lookup(svc, acct)
    if account is None:
        raise NotFound("Record not found")
    presenter = await Presenter(svc, None).load(account_ids=[account.id])
    return ok(presenter.account(account, detail=True))


@routes.get("/api/v1/accounts/relationships")
async def relationships(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:follows")
    wanted = params.id_list(request.query, "id")
    found = await graph.relationships(request.app[SERVICES], me.account, wanted)
    return ok([relationship(r) for r in found])


@routes.get("/api/v1/accounts/search")
async def search_accounts(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:accounts")
    query = request.query
    found = await search.accounts(
        request.app[SERVICES],
        query.get("q", ""),
        resolve=params.boolean(query, "resolve"),
        limit=params.limit(query, default=40, maximum=80),
        viewer=me.account,
    )
    presenter = await Presenter(request.app[SERVICES], me.account).load(
        account_ids=[a.id for a in found]
    )
    return ok([presenter.account(a) for a in found])


@routes.get(f"/api/v1/accounts/{ID}")
async def get_account(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    viewer = await auth.optional(request, "read:accounts")
    account = await graph.get_account(svc, params.path_id(request))
    presenter = await Presenter(svc, viewer.account if viewer else None).load(
        account_ids=[account.id]
    )
    return ok(presenter.account(account, detail=True))


@routes.get(f"/api/v1/accounts/{ID}/statuses")
async def account_statuses(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    viewer = await auth.optional(request, "read:statuses")
    me = viewer.account if viewer else None
    account = await graph.get_account(svc, params.path_id(request))
    query = request.query
    found = await timelines.account_statuses(
        svc,
        me,
        account,
        params.page(query),
        exclude_replies=params.boolean(query, "exclude_replies"),
        exclude_reblogs=params.boolean(query, "exclude_reblogs"),
    )
    if params.boolean(query, "pinned"):
        found = []  # pinning is not supported yet: nothing is pinned
    presenter = await Presenter(svc, me).load(found)
    return paged(request, [presenter.status(s) for s in found], [s.id for s in found])


async def _relationship_response(
    request: web.Request, me: AccountRow, target_id: int
) -> web.Response:
    found = await graph.relationships(request.app[SERVICES], me, [target_id])
    return ok(relationship(found[0]))


@routes.post(f"/api/v1/accounts/{ID}/follow")
async def follow(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    svc = request.app[SERVICES]
    target = await graph.get_account(svc, params.path_id(request))
    await graph.follow(svc, me.account, target)
    return await _relationship_response(request, me.account, target.id)


@routes.post(f"/api/v1/accounts/{ID}/unfollow")
async def unfollow(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    svc = request.app[SERVICES]
    target = await graph.get_account(svc, params.path_id(request))
    await graph.unfollow(svc, me.account, target)
    return await _relationship_response(request, me.account, target.id)


async def _related(request: web.Request, direction: str) -> web.Response:
    svc = request.app[SERVICES]
    viewer = await auth.optional(request, "read:accounts")
    account = await graph.get_account(svc, params.path_id(request))
    pairs = await graph.related_accounts(
        svc, account, params.page(request.query, maximum=80), direction=direction
    )
    presenter = await Presenter(svc, viewer.account if viewer else None).load(
        account_ids=[a.id for _, a in pairs]
    )
    return paged(request, [presenter.account(a) for _, a in pairs], [cursor for cursor, _ in pairs])


@routes.get(f"/api/v1/accounts/{ID}/followers")
async def followers(request: web.Request) -> web.Response:
    return await _related(request, "followers")


@routes.get(f"/api/v1/accounts/{ID}/following")
async def following(request: web.Request) -> web.Response:
    return await _related(request, "following")
