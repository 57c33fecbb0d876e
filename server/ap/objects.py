"""Posts served at their ids: a Note for peers, a page for browsers, a
Tombstone (410 Gone) once deleted. Only public and unlisted posts are served
to anonymous fetchers; the rest travel only by delivery."""

from __future__ import annotations

from aiohttp import web

from federation import activities as ap
from server.ap.render import as2_response
from server.ap.signatures import authorize_fetch
from server.appkeys import DB, SERVICES
from server.negotiation import choose
from server.services import members, objects
from server.store import statuses as q
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow
from server.web.thread import post_page

routes = web.RouteTableDef()


async def _status(request: web.Request, *, activity: bool) -> tuple[StatusRow, AccountRow]:
    author = members.require_active(
        await members.get_member(request.app[DB], request.match_info["username"], groups=True)
    )
    try:
        status_id = int(request.match_info["status_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    async with request.app[DB].read() as conn:
        status = await q.get_status(conn, status_id)
    if status is None or status.account_id != author.id:
        raise web.HTTPNotFound()
    if status.reblog_of_id is not None and not activity:
        raise web.HTTPNotFound()  # a boost has only its Announce, at .../activity
    if status.deleted_at is None and status.visibility not in ("public", "unlisted"):
        raise web.HTTPNotFound()
    return status, author


async def _respond(request: web.Request, *, activity: bool) -> web.StreamResponse:
    flavour = choose(request.headers.get("Accept"))
    if flavour == "html" and not activity:
        return await _page(request)
    status, author = await _status(request, activity=activity)
    svc = request.app[SERVICES]
    if status.deleted_at is not None:
        uri = objects.status_uri(svc, status, author)
        return as2_response(ap.tombstone(uri, deleted=status.deleted_at), status=410)
    await authorize_fetch(request)
    async with svc.db.read() as conn:
        if activity:
            doc = await objects.activity_document(svc, conn, status, author)
            if doc is None:
                raise web.HTTPNotFound()
            return as2_response(doc)
        note = await objects.note_document(svc, conn, status, author)
    return as2_response(note, flavour="ld" if flavour == "ld" else "as2")


async def _page(request: web.Request) -> web.StreamResponse:
    """The post's page (server/web/thread.py): a signed-in viewer may see more
    than the public posts served to peers; a deleted post is Gone."""
    acct, value = request.match_info["username"], request.match_info["status_id"]
    if not value.isdigit() or len(value) > 19:
        raise web.HTTPNotFound()
    async with request.app[DB].read() as conn:
        status = await q.get_status(conn, int(value))
    if status is not None and status.deleted_at is not None:
        raise web.HTTPGone(text="This post was deleted")
    if "@" not in acct:  # a local member's: withheld while they are suspended
        members.require_active(await members.get_member(request.app[DB], acct))
    return await post_page(request, acct, int(value))


@routes.get(r"/users/{username}/statuses/{status_id}")
async def status_object(request: web.Request) -> web.StreamResponse:
    return await _respond(request, activity=False)


@routes.get(r"/users/{username}/statuses/{status_id}/activity")
async def status_activity(request: web.Request) -> web.StreamResponse:
    return await _respond(request, activity=True)


@routes.get(r"/@{username}/{status_id:\d+}")
async def status_page(request: web.Request) -> web.StreamResponse:
    return await _respond(request, activity=False)
