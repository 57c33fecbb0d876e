"""Statuses: post, read, edit, delete, thread, favourite, boost."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter
from server.api.responses import ok
from server.appkeys import SERVICES
from server.services import interactions, personal, posts, timelines
from server.services.errors import ValidationError
from server.services.posts import Draft
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow

routes = web.RouteTableDef()
ID = r"{id:\d+}"


async def _one(
    request: web.Request, viewer: AccountRow | None, status: StatusRow, **extra: object
) -> web.Response:
    presenter = await Presenter(request.app[SERVICES], viewer).load([status])
    return ok({**presenter.status(status), **extra})


async def _draft(request: web.Request, *, for_edit: bool = False) -> Draft:
    form = await params.body(request)
    reply_to = params.integer(form, "in_reply_to_id")
    return Draft(
        text=params.text(form, "status"),
        visibility=params.text(form, "visibility") or "public",
        in_reply_to_id=None if for_edit else reply_to,
        spoiler_text=params.text(form, "spoiler_text"),
        sensitive=params.boolean(form, "sensitive"),
        language=params.text(form, "language") or None,
        media_ids=_media_ids(form),
        group_id=None if for_edit else params.identifier(form, "group_id"),
    )


def _media_ids(form: Any) -> tuple[int, ...]:
    ids = params.strings(form, "media_ids")
    if len(ids) > 16 or not all(i.isdigit() and len(i) <= 19 for i in ids):
        raise ValidationError("media_ids must be ids of uploads", field="media_ids")
    return tuple(int(i) for i in ids)


@routes.post("/api/v1/statuses")
async def create(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:statuses")
    draft = await _draft(request)
    key = request.headers.get("Idempotency-Key")
    status = await personal.post_once(request.app[SERVICES], me.account, draft, key)
    return await _one(request, me.account, status)


@routes.get(f"/api/v1/statuses/{ID}")
async def show(request: web.Request) -> web.Response:
    viewer = await auth.optional(request, "read:statuses")
    me = viewer.account if viewer else None
    status = await posts.visible_status(request.app[SERVICES], me, params.path_id(request))
    return await _one(request, me, status)


@routes.put(f"/api/v1/statuses/{ID}")
async def edit(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:statuses")
    draft = await _draft(request, for_edit=True)
    status = await posts.edit_status(
        request.app[SERVICES], me.account, params.path_id(request), draft
    )
    return await _one(request, me.account, status)


@routes.delete(f"/api/v1/statuses/{ID}")
async def delete(request: web.Request) -> web.Response:
    """Answers the deleted post with its source ``text``, for "delete and redraft"."""
    me = await auth.required(request, "write:statuses")
    status = await posts.delete_status(request.app[SERVICES], me.account, params.path_id(request))
    return await _one(request, me.account, status, text=status.source_text or "")


@routes.get(f"/api/v1/statuses/{ID}/context")
async def context(request: web.Request) -> web.Response:
    viewer = await auth.optional(request, "read:statuses")
    me = viewer.account if viewer else None
    thread = await timelines.context(request.app[SERVICES], me, params.path_id(request))
    presenter = await Presenter(request.app[SERVICES], me).load(
        [*thread.ancestors, *thread.descendants]
    )
    return ok(
        {
            "ancestors": [presenter.status(s) for s in thread.ancestors],
            "descendants": [presenter.status(s) for s in thread.descendants],
        }
    )


async def _act(request: web.Request, action: str) -> web.Response:
    me = await auth.required(
        request, "write:favourites" if "favourite" in action else "write:statuses"
    )
    svc = request.app[SERVICES]
    status_id = params.path_id(request)
    if action == "favourite":
        status = await interactions.favourite(svc, me.account, status_id)
    elif action == "unfavourite":
        status = await interactions.unfavourite(svc, me.account, status_id)
    elif action == "reblog":
        form = await params.body(request)
        visibility = params.text(form, "visibility") or "public"
        status = await interactions.reblog(svc, me.account, status_id, visibility)
    else:
        status = await interactions.unreblog(svc, me.account, status_id)
    return await _one(request, me.account, await interactions.require_status(svc, status.id))


@routes.post(f"/api/v1/statuses/{ID}/favourite")
async def favourite(request: web.Request) -> web.Response:
    return await _act(request, "favourite")


@routes.post(f"/api/v1/statuses/{ID}/unfavourite")
async def unfavourite(request: web.Request) -> web.Response:
    return await _act(request, "unfavourite")


@routes.post(f"/api/v1/statuses/{ID}/reblog")
async def reblog(request: web.Request) -> web.Response:
    return await _act(request, "reblog")


@routes.post(f"/api/v1/statuses/{ID}/unreblog")
async def unreblog(request: web.Request) -> web.Response:
    return await _act(request, "unreblog")
