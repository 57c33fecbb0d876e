"""Bookmarks, mutes, blocks, featured accounts, conversations; hashtag timelines;
familiar followers."""

from __future__ import annotations

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter, relationship
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import conversations, graph, personal, timelines

routes = web.RouteTableDef()
ID = r"{id:\d+}"


@routes.post(f"/api/v1/statuses/{ID}/{{action:bookmark|unbookmark}}")
async def bookmark(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:bookmarks")
    svc = request.app[SERVICES]
    on = request.match_info["action"] == "bookmark"
    status = await personal.bookmark(svc, me.account, params.path_id(request), on=on)
    presenter = await Presenter(svc, me.account).load([status])
    return ok(presenter.status(status))


@routes.get("/api/v1/bookmarks")
async def bookmarks(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:bookmarks")
    svc = request.app[SERVICES]
    pairs = await personal.bookmarks(svc, me.account, params.page(request.query))
    presenter = await Presenter(svc, me.account).load([s for _, s in pairs])
    return paged(request, [presenter.status(s) for _, s in pairs], [c for c, _ in pairs])


@routes.post(f"/api/v1/accounts/{ID}/{{action:mute|unmute}}")
async def mute(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:mutes")
    svc = request.app[SERVICES]
    target = await graph.get_account(svc, params.path_id(request))
    form = await params.body(request)
    await personal.mute(
        svc,
        me.account,
        target,
        on=request.match_info["action"] == "mute",
        notifications=params.boolean(form, "notifications", default=True),
        duration=params.integer(form, "duration", 0) or 0,
    )
    return ok(relationship((await graph.relationships(svc, me.account, [target.id]))[0]))


@routes.post(f"/api/v1/accounts/{ID}/{{action:pin|unpin|endorse|unendorse}}")
async def pin(request: web.Request) -> web.Response:
    """Feature an account on one's profile (Mastodon 4.4 calls it endorse)."""
    me = await auth.required(request, "write:accounts")
    svc = request.app[SERVICES]
    target = await graph.get_account(svc, params.path_id(request))
    on = request.match_info["action"] in ("pin", "endorse")
    await personal.pin(svc, me.account, target, on=on)
    return ok(relationship((await graph.relationships(svc, me.account, [target.id]))[0]))


async def _account_list(request: web.Request, kind: str, scope: str) -> web.Response:
    me = await auth.required(request, scope)
    svc = request.app[SERVICES]
    page = params.page(request.query, default=40, maximum=80)
    if kind == "blocks":
        pairs = await personal.blocked(svc, me.account, page)
    else:
        pairs = await personal.listed(svc, me.account, kind, page)
    presenter = await Presenter(svc, me.account).load(account_ids=[a.id for _, a in pairs])
    return paged(request, [presenter.account(a) for _, a in pairs], [c for c, _ in pairs])


@routes.get("/api/v1/mutes")
async def mutes(request: web.Request) -> web.Response:
    return await _account_list(request, "mutes", "read:mutes")


@routes.get("/api/v1/blocks")
async def blocks(request: web.Request) -> web.Response:
    return await _account_list(request, "blocks", "read:blocks")


@routes.get("/api/v1/endorsements")
async def featured(request: web.Request) -> web.Response:
    return await _account_list(request, "pins", "read:accounts")


@routes.get("/api/v1/timelines/tag/{hashtag}")
async def tag_timeline(request: web.Request) -> web.Response:
    viewer = await auth.optional(request, "read:statuses")
    svc = request.app[SERVICES]
    query = request.query
    local = True if params.boolean(query, "local") else None
    name = request.match_info["hashtag"].lstrip("#")
    account = viewer.account if viewer else None
    found = await timelines.tag(svc, account, name, params.page(query), local=local)
    presenter = await Presenter(svc, account).load(found)
    return paged(request, [presenter.status(s) for s in found], [s.id for s in found])


@routes.get("/api/v1/accounts/familiar_followers")
async def familiar_followers(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:follows")
    svc = request.app[SERVICES]
    # Mastodon.py sends the ids as a JSON body, even on this GET; Rails reads either.
    wanted = params.id_list(await params.body(request), "id")
    found = await personal.familiar_followers(svc, me.account, wanted[:40])
    people = {a.id for accounts in found.values() for a in accounts}
    presenter = await Presenter(svc, me.account).load(account_ids=list(people))
    return ok([{"id": str(i), "accounts": [presenter.account(a) for a in found[i]]} for i in found])


def _conversation(presenter: Presenter, found: conversations.Conversation) -> dict[str, object]:
    return {
        "id": str(found.id),
        "unread": found.unread,
        "accounts": [presenter.account(presenter.accounts[a]) for a in found.participants],
        "last_status": presenter.status(found.last_status),
    }


@routes.get("/api/v1/conversations")
async def list_conversations(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:statuses")
    svc = request.app[SERVICES]
    found = await conversations.conversations(svc, me.account, params.page(request.query))
    people = [a for c in found for a in c.participants]
    presenter = await Presenter(svc, me.account).load([c.last_status for c in found], people)
    data = [_conversation(presenter, c) for c in found]
    return paged(request, data, [c.last_status.id for c in found])


@routes.post(f"/api/v1/conversations/{ID}/read")
async def read_conversation(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:conversations")
    svc = request.app[SERVICES]
    found = await conversations.mark_read(svc, me.account, params.path_id(request))
    presenter = await Presenter(svc, me.account).load([found.last_status], found.participants)
    return ok(_conversation(presenter, found))


@routes.delete(f"/api/v1/conversations/{ID}")
async def remove_conversation(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:conversations")
    await conversations.remove(request.app[SERVICES], me.account, params.path_id(request))
    return ok({})
