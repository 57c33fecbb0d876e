"""Notifications: list (with type filters), one, dismiss one, clear all."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import timelines
from server.store.accounts import AccountRow
from server.store.interactions import NotificationRow

routes = web.RouteTableDef()
ID = r"{id:\d+}"


async def _entities(
    request: web.Request, me: AccountRow, rows: list[NotificationRow]
) -> list[dict[str, Any]]:
    svc = request.app[SERVICES]
    found = await timelines.statuses_by_id(svc, [r.status_id for r in rows if r.status_id])
    presenter = await Presenter(svc, me).load(found, [r.from_account_id for r in rows])
    return [presenter.notification(r) for r in rows]


@routes.get("/api/v1/notifications")
async def notifications(request: web.Request) -> web.Response:
    """Standard types unless the client names Warmline's (``types[]=warmline.…``) or
    passes ``warmline=true``."""
    me = await auth.required(request, "read:notifications")
    query = request.query
    rows = await timelines.notifications(
        request.app[SERVICES],
        me.account,
        params.page(query, default=15, maximum=30),
        types=params.strings(query, "types") or None,
        exclude_types=params.strings(query, "exclude_types"),
        warmline=params.boolean(query, "warmline"),
    )
    return paged(request, await _entities(request, me.account, rows), [r.id for r in rows])


@routes.get(f"/api/v1/notifications/{ID}")
async def notification(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:notifications")
    row = await timelines.notification(request.app[SERVICES], me.account, params.path_id(request))
    return ok((await _entities(request, me.account, [row]))[0])


@routes.post(f"/api/v1/notifications/{ID}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:notifications")
    await timelines.dismiss(request.app[SERVICES], me.account, params.path_id(request))
    return ok({})


@routes.post("/api/v1/notifications/clear")
async def clear(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:notifications")
    await timelines.dismiss(request.app[SERVICES], me.account)
    return ok({})
