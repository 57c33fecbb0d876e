"""Actor documents and their collections, with content negotiation.

``/users/{name}`` and ``/@{name}`` answer AS2 to peers and the HTML profile
page to browsers. The instance actor at ``/actor`` is never behind authorized
fetch: peers need its key to verify our signed fetches.
"""

from __future__ import annotations

from aiohttp import web

from federation import activities as ap
from server.ap.render import as2_response
from server.ap.signatures import authorize_fetch
from server.appkeys import DB, SERVICES
from server.negotiation import choose
from server.services import members
from server.services.actors import actor_document
from server.store import accounts as q
from server.urls import INSTANCE_ACTOR_USERNAME
from server.web.profile import profile_page, remote_profile

routes = web.RouteTableDef()


async def _member_response(request: web.Request) -> web.StreamResponse:
    """As Mastodon answers: a deleted member is 410 Gone (a Tombstone for peers);
    a suspended one's page is 403, its actor a bare one marked ``suspended``."""
    name = request.match_info["username"]
    flavour = choose(request.headers.get("Accept"))
    if flavour == "html" and "@" in name:  # someone elsewhere, shown here
        return await remote_profile(request, name)
    try:
        account = await members.get_member(request.app[DB], name, groups=True)
    except members.MemberDeleted as gone:
        if flavour == "html":
            raise
        actor_id = request.app[SERVICES].urls.actor(gone.account.username)
        tombstone = ap.tombstone(actor_id, deleted=gone.account.suspended_at, former_type="Person")
        return as2_response(tombstone, flavour=flavour, status=410)
    if flavour == "html":
        return await profile_page(request, members.require_active(account))
    await authorize_fetch(request)
    return as2_response(await actor_document(request.app[SERVICES], account), flavour=flavour)


@routes.get("/users/{username}")
async def actor(request: web.Request) -> web.StreamResponse:
    return await _member_response(request)


@routes.get("/@{username}")
async def profile(request: web.Request) -> web.StreamResponse:
    return await _member_response(request)


@routes.get("/actor")
async def instance_actor(request: web.Request) -> web.Response:
    async with request.app[DB].read() as conn:
        account = await q.get_local_account(conn, INSTANCE_ACTOR_USERNAME)
    if account is None:
        raise web.HTTPServiceUnavailable(text="the instance actor is not ready yet")
    flavour = choose(request.headers.get("Accept"))
    return as2_response(
        await actor_document(request.app[SERVICES], account),
        flavour="ld" if flavour == "ld" else "as2",
    )
