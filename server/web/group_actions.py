"""Acting on a group from its page: joining (at once, or asking), withdrawing a
request or leaving, and a moderator's taking a post out of the group (after a
confirmation page).

Each is a form that posts and comes back to the group's page with a message
saying what happened. A refusal (a banned member joining, the last owner
leaving) is the group's page again with the service's message above it and
the refusal's status.
"""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import group_moderation, groups
from server.services.errors import ServiceError
from server.store.accounts import AccountRow
from server.web.composing import post_id, shown_status
from server.web.group_views import NO_GROUP, GroupCard, card, page_of, shown_group
from server.web.groups import moderated
from server.web.network_actions import said
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, path_id
from server.web.session import member
from server.web.views import Views

routes = PageRoutes()


async def _group(request: web.Request) -> tuple[AccountRow, GroupCard]:
    session = await member(request)
    svc = request.app[SERVICES]
    group_id = path_id(request, "group_id", NO_GROUP)
    return session.account, card(svc, await shown_group(svc, session.account, group_id))


def _joined(group: GroupCard) -> str:
    if group.is_member:
        return f"Welcome to {group.name}: you are a member now."
    if group.is_local:
        return f"You asked to join {group.name}: its moderators will answer, and you will be told."
    return f"You asked to join {group.name}: its server will answer."


@routes.post(r"/groups/{group_id:\d+}/join")
async def join(request: web.Request) -> web.StreamResponse:
    me, before = await _group(request)
    svc = request.app[SERVICES]
    try:
        after = card(svc, await groups.join(svc, me, before.id))
    except ServiceError as exc:
        return await page_of(request, before.id, error=said(exc), http_status=exc.status)
    raise redirect(request, after.path, flash=_joined(after))


@routes.post(r"/groups/{group_id:\d+}/leave")
async def leave(request: web.Request) -> web.StreamResponse:
    me, before = await _group(request)
    try:
        await groups.leave(request.app[SERVICES], me, before.id)
    except ServiceError as exc:
        return await page_of(request, before.id, error=said(exc), http_status=exc.status)
    flash = (
        f"Your request to join {before.name} is withdrawn."
        if before.mine == "pending"
        else f"You left {before.name}."
    )
    raise redirect(request, before.path, flash=flash)


# --- a moderator takes a post out ----------------------------------------------------------


@routes.get(r"/groups/{group_id:\d+}/posts/{status_id:\d+}/remove")
async def remove_post_page(request: web.Request) -> web.Response:
    me, group = await moderated(request)
    svc = request.app[SERVICES]
    status = await shown_status(svc, me, post_id(request.match_info["status_id"]))
    shown = (await Views(svc, me).load([status])).post(status)
    return await page(request, "groups/remove_post.html", group=group, post=shown)


@routes.post(r"/groups/{group_id:\d+}/posts/{status_id:\d+}/remove")
async def remove_post(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    group_id = path_id(request, "group_id", NO_GROUP)
    status_id = post_id(request.match_info["status_id"])
    svc = request.app[SERVICES]
    group = card(svc, await shown_group(svc, session.account, group_id))
    await group_moderation.remove_post(svc, session.account, group_id, status_id)
    raise redirect(
        request,
        group.path,
        flash="The post is out of the group; it stays on its author's profile.",
    )
