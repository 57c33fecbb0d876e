"""A group's members (``/groups/{id}/members``) and what its moderators do there:
answer requests to join, remove or ban a member (after a confirmation page,
with a reason for a ban), lift a ban, and, for its owner, name moderators and
owners or take the role back.

Who may see the members is the service's rule (``groups.members``): a group
that approves its members shows them to its members only; anyone else gets
the page with a sentence saying so (403), not a list. Every action is a form
that comes back to this page with a message; a refusal is this page again
with the service's message above it and the refusal's status.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass

from aiohttp import web

from server.appkeys import SERVICES
from server.services import graph, group_moderation, groups
from server.services.errors import Forbidden, NotFound, ServiceError, ValidationError
from server.store.accounts import AccountRow
from server.store.graph import PENDING
from server.store.statuses import Page
from server.web.forms import FormState
from server.web.group_views import NO_GROUP, GroupCard, card, shown_group
from server.web.groups import moderated
from server.web.network_actions import name_of, said
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, form_of, path_id, query_id
from server.web.session import member, viewer
from server.web.views import PersonView, person

routes = PageRoutes()
PAGE_SIZE = 40
REQUESTS_SHOWN = 100
ROLES = {"moderator": "moderator", "owner": "owner", "none": None}


@dataclass(frozen=True, slots=True)
class MemberRow:
    person: PersonView
    role: str  # owner, moderator or ""
    is_me: bool


async def members_page(
    request: web.Request, group_id: int, *, error: str = "", http_status: int = 200
) -> web.Response:
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    group = card(svc, await shown_group(svc, me, group_id))
    older_than = query_id(request)
    hidden = ""
    try:
        found = await groups.members(svc, me, group.id, Page(limit=PAGE_SIZE, max_id=older_than))
    except Forbidden as exc:
        found, hidden = [], said(exc)
        http_status = http_status if error else exc.status
    rows = [MemberRow(person(svc, a), role or "", me is not None and a.id == me.id)
            for _, a, role in found]  # fmt: skip
    requests: list[PersonView] = []
    banned: list[tuple[PersonView, str]] = []
    if group.moderates:
        asking = await groups.members(svc, me, group.id, Page(limit=REQUESTS_SHOWN), state=PENDING)
        requests = [person(svc, a) for _, a, _ in asking]
        assert me is not None
        banned = [
            (person(svc, b.account), b.reason)
            for b in await group_moderation.bans(svc, me, group.id)
        ]
    return await page(
        request,
        "groups/members.html",
        http_status=http_status,
        group=group,
        members=rows,
        hidden=hidden,
        older=found[-1][0] if len(found) == PAGE_SIZE else None,
        older_than=older_than,
        requests=requests,
        banned=banned,
        error=error,
    )


@routes.get(r"/groups/{group_id:\d+}/members")
async def show(request: web.Request) -> web.Response:
    return await members_page(request, path_id(request, "group_id", NO_GROUP))


async def _acted(
    request: web.Request, group_id: int, action: Awaitable[None], done: str
) -> web.StreamResponse:
    """Await ``action``; back to the members page with ``done``, or the refusal."""
    try:
        await action
    except ServiceError as exc:
        return await members_page(request, group_id, error=said(exc), http_status=exc.status)
    raise redirect(request, f"/groups/{group_id}/members", flash=done)


async def _someone(request: web.Request) -> AccountRow:
    try:
        return await graph.get_account(request.app[SERVICES], path_id(request, "account_id"))
    except NotFound:
        raise NotFound("There is no such account here") from None


@routes.post(r"/groups/{group_id:\d+}/requests/{account_id:\d+}/{decision:approve|reject}")
async def decide(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    group_id = path_id(request, "group_id", NO_GROUP)
    who = await _someone(request)
    approve = request.match_info["decision"] == "approve"
    action = group_moderation.answer_request(
        request.app[SERVICES], session.account, group_id, who.id, accept=approve
    )
    done = (
        f"{name_of(who)} is a member now, and is told."
        if approve
        else f"You turned down {name_of(who)}'s request to join."
    )
    return await _acted(request, group_id, action, done)


# --- removing and banning ----------------------------------------------------------------------


async def _remove_form(
    request: web.Request, group: GroupCard, who: AccountRow, form: FormState, http_status: int = 200
) -> web.Response:
    return await page(
        request, "groups/remove_member.html", group=group, who=person(request.app[SERVICES], who),
        form=form, http_status=http_status,
    )  # fmt: skip


@routes.get(r"/groups/{group_id:\d+}/members/{account_id:\d+}/remove")
async def remove_page(request: web.Request) -> web.Response:
    _, group = await moderated(request)
    who = await _someone(request)
    ban = "1" if request.query.get("ban") else ""
    return await _remove_form(request, group, who, FormState.of({"ban": ban}))


@routes.post(r"/groups/{group_id:\d+}/members/{account_id:\d+}/remove")
async def remove(request: web.Request) -> web.StreamResponse:
    me, group = await moderated(request)
    who, submitted = await _someone(request), form_of(request)
    if not submitted.flag("confirm"):
        raise redirect(request, f"{group.base}/members/{who.id}/remove")
    ban = submitted.flag("ban")
    try:
        await group_moderation.remove_member(
            request.app[SERVICES], me, group.id, who.id, ban=ban, reason=submitted.text("reason")
        )
    except ValidationError as exc:
        state = FormState.of(submitted.fields).refused(exc)
        return await _remove_form(request, group, who, state, http_status=exc.status)
    except ServiceError as exc:
        return await members_page(request, group.id, error=said(exc), http_status=exc.status)
    done = (
        f"{name_of(who)} is out of the group, and banned: they cannot join again."
        if ban
        else f"{name_of(who)} is out of the group."
    )
    raise redirect(request, f"{group.base}/members", flash=done)


@routes.post(r"/groups/{group_id:\d+}/bans/{account_id:\d+}/lift")
async def unban(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    group_id = path_id(request, "group_id", NO_GROUP)
    who = await _someone(request)
    action = group_moderation.unban(request.app[SERVICES], session.account, group_id, who.id)
    done = f"{name_of(who)} is no longer banned: they may join again."
    return await _acted(request, group_id, action, done)


# --- moderators --------------------------------------------------------------------------------


@routes.post(r"/groups/{group_id:\d+}/moderators/{account_id:\d+}")
async def name_moderator(request: web.Request) -> web.StreamResponse:
    """The owner makes a member moderator or owner (``role``), or takes it back (``none``)."""
    session = await member(request)
    group_id = path_id(request, "group_id", NO_GROUP)
    who = await _someone(request)
    chosen = form_of(request).text("role")
    if chosen not in ROLES:
        raise ValidationError("Choose moderator, owner or none", field="role")
    role = ROLES[chosen]
    action = group_moderation.set_moderator(
        request.app[SERVICES], session.account, group_id, who.id, role
    )
    done = {
        "moderator": f"{name_of(who)} is a moderator of the group now.",
        "owner": f"{name_of(who)} is an owner of the group now.",
    }.get(chosen, f"{name_of(who)} no longer moderates the group.")
    return await _acted(request, group_id, action, done)
