"""Mastodon's lists (``/api/v1/lists``), their accounts and their timelines
(``services/lists.py``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import graph, lists
from server.store.lists import ListRow

routes = web.RouteTableDef()
ID = r"{id:\d+}"


def entity(found: ListRow) -> dict[str, Any]:
    """Mastodon's List entity."""
    return {
        "id": str(found.id),
        "title": found.title,
        "replies_policy": found.replies_policy,
        "exclusive": found.exclusive,
    }


@routes.get("/api/v1/lists")
async def index(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:lists")
    return ok([entity(x) for x in await lists.all_lists(request.app[SERVICES], me.account)])


@routes.post("/api/v1/lists")
async def create(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:lists")
    form = await params.body(request)
    found = await lists.create(
        request.app[SERVICES],
        me.account,
        params.optional_text(form, "title"),
        replies_policy=params.optional_text(form, "replies_policy"),
        exclusive=params.boolean(form, "exclusive"),
    )
    return ok(entity(found))


@routes.get(f"/api/v1/lists/{ID}")
async def show(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:lists")
    return ok(entity(await lists.get(request.app[SERVICES], me.account, params.path_id(request))))


@routes.put(f"/api/v1/lists/{ID}")
async def update(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:lists")
    form = await params.body(request)
    exclusive = params.boolean(form, "exclusive") if "exclusive" in form else None
    found = await lists.update(
        request.app[SERVICES],
        me.account,
        params.path_id(request),
        title=params.optional_text(form, "title"),
        replies_policy=params.optional_text(form, "replies_policy"),
        exclusive=exclusive,
    )
    return ok(entity(found))


@routes.delete(f"/api/v1/lists/{ID}")
async def delete(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:lists")
    await lists.delete(request.app[SERVICES], me.account, params.path_id(request))
    return ok({})


@routes.get(f"/api/v1/lists/{ID}/accounts")
async def accounts(request: web.Request) -> web.Response:
    """The list's accounts: 40 a page (at most 80), or all of them with ``limit=0``."""
    me = await auth.required(request, "read:lists")
    svc = request.app[SERVICES]
    query = request.query
    every = params.integer(query, "limit") == 0
    page = None if every else params.page(query, default=40, maximum=80)
    pairs = await lists.members(svc, me.account, params.path_id(request), page)
    presenter = await Presenter(svc, me.account).load(account_ids=[a.id for _, a in pairs])
    data = [presenter.account(a) for _, a in pairs]
    return ok(data) if every else paged(request, data, [c for c, _ in pairs])


async def _account_ids(request: web.Request) -> list[int]:
    """``account_ids[]`` from the body, or from the query (a DELETE's usual place)."""
    found = params.id_list(await params.body(request), "account_ids")
    return found or params.id_list(request.query, "account_ids")


@routes.post(f"/api/v1/lists/{ID}/accounts")
async def add_accounts(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:lists")
    wanted = await _account_ids(request)
    await lists.add_accounts(request.app[SERVICES], me.account, params.path_id(request), wanted)
    return ok({})


@routes.delete(f"/api/v1/lists/{ID}/accounts")
async def remove_accounts(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:lists")
    wanted = await _account_ids(request)
    await lists.remove_accounts(request.app[SERVICES], me.account, params.path_id(request), wanted)
    return ok({})


@routes.get(f"/api/v1/accounts/{ID}/lists")
async def containing(request: web.Request) -> web.Response:
    """The caller's lists that hold this account."""
    me = await auth.required(request, "read:lists")
    svc = request.app[SERVICES]
    target = await graph.get_account(svc, params.path_id(request))
    return ok([entity(x) for x in await lists.containing(svc, me.account, target.id)])


@routes.get(f"/api/v1/timelines/list/{ID}")
async def timeline(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:lists")
    svc = request.app[SERVICES]
    found = await lists.timeline(
        svc, me.account, params.path_id(request), params.page(request.query)
    )
    presenter = await Presenter(svc, me.account).load(found)
    return paged(request, [presenter.status(s) for s in found], [s.id for s in found])
