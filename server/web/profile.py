"""Profile pages: a member of this instance at ``/@alice``, anyone elsewhere at
``/@bob@their.example`` (looked up by WebFinger and fetched when a signed-in
member first asks for it), and a member's connections at ``/@alice/connections``.

Public profile pages carry h-card microformats, ``rel="me"`` links, Open Graph
tags and a canonical link, so a link to one previews well anywhere.
"""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import connections, members, search
from server.services.errors import NotFound
from server.store.accounts import AccountRow
from server.web import profile_view, relationship
from server.web.group_views import group_page
from server.web.relationship import Forms
from server.web.responses import page
from server.web.routing import PageRoutes, query_id
from server.web.session import viewer
from server.web.views import person

routes = PageRoutes()
CONNECTIONS_PAGE = 40


async def profile_page(
    request: web.Request,
    account: AccountRow,
    *,
    forms: Forms | None = None,
    http_status: int = 200,
) -> web.Response:
    """The profile as ``request``'s viewer may see it; ``forms`` brings back a
    refused action's form (what was typed and why it was refused). A group's
    page is where its profile would be (``group_views.py``)."""
    if account.actor_type == "Group":
        return await group_page(request, account, http_status=http_status)
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    box = await relationship.context(svc, me, account, forms)
    follow = box["standing"].follow if box["standing"] else None
    shown = await profile_view.load(svc, me, account, max_id=query_id(request), relationship=follow)
    return await page(request, "profile.html", http_status=http_status, **shown, **box)


async def remote_profile(request: web.Request, acct: str) -> web.Response:
    """Someone on another instance, by ``user@domain``: from our copy, else found
    by WebFinger and fetched (once; ``search.lookup`` keeps what it fetched)."""
    return await profile_page(request, await remote_account(request, acct))


async def remote_account(request: web.Request, acct: str) -> AccountRow:
    svc = request.app[SERVICES]
    username, _, domain = acct.partition("@")
    if not username or not domain:
        raise NotFound("Nothing is here")
    account = await search.lookup(svc, acct)
    if account is None:
        if await viewer(request) is None:  # only members make this instance fetch
            raise NotFound(f"No profile of @{acct} is known here: sign in to look it up")
        found = await search.accounts(svc, acct, resolve=True, limit=1)
        account = found[0] if found else None
    if account is None:
        raise NotFound(f"No one called @{acct} could be found")
    if account.is_local:
        raise web.HTTPMovedPermanently(f"/@{account.username}")
    return account


@routes.get("/@{username}/connections")
async def connections_page(request: web.Request) -> web.Response:
    """A member's connections, if their owner lets the viewer see them."""
    name = request.match_info["username"]
    if "@" in name:
        await remote_account(request, name)  # 404s that say why, if unknown
        raise NotFound(f"@{name}'s connections are listed on their own server")
    svc = request.app[SERVICES]
    account = await members.get_member(svc.db, name)
    session = await viewer(request)
    me = session.account if session else None
    offset = _offset(request)
    found = await connections.visible_connections(
        svc, me, account, limit=CONNECTIONS_PAGE + 1, offset=offset
    )
    shown = [(person(svc, c.peer), c) for c in found[:CONNECTIONS_PAGE]]  # read with them
    return await page(
        request,
        "connections.html",
        person=person(svc, account),
        account=account,
        connections=shown,
        older=offset + CONNECTIONS_PAGE if len(found) > CONNECTIONS_PAGE else None,
        newer=max(offset - CONNECTIONS_PAGE, 0) if offset else None,
    )


def _offset(request: web.Request) -> int:
    value = request.query.get("offset", "")
    return min(int(value), 100_000) if value.isdigit() and len(value) < 7 else 0
