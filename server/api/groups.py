"""Warmline extension routes: groups (``/api/v1/warmline/groups``).

A group's id is its account's id: the same group is an Account (``"group":
true``) in search and on follow routes, where following it joins it. Posting
in a group is ``group_id`` on ``POST /api/v1/statuses`` (or mentioning it).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter, date
from server.api.events import PAGE
from server.api.events import entities_of as event_entities
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import events, group_moderation, group_posts, groups, objects
from server.services.errors import ValidationError
from server.services.groups import GroupDraft, GroupView
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED, PENDING

routes = web.RouteTableDef()
BASE = "/api/v1/warmline/groups"
ID = r"{id:\d+}"
MEMBER = r"{account_id:\d+}"


def entity(presenter: Presenter, view: GroupView) -> dict[str, Any]:
    group, svc = view.account, presenter.svc
    account = presenter.account(group)
    entity = {
        "id": str(group.id),
        "acct": objects.acct(svc, group),
        "username": group.username,
        "uri": objects.account_uri(svc, group),
        "url": objects.profile_url(svc, group),
        "display_name": group.display_name or group.username,
        "note": group.summary,
        "avatar": account.get("avatar"),
        "membership": view.membership,
        "members_count": view.members_count,
        "my_membership": view.my_membership,
        "my_role": view.my_role,
        "local": group.is_local,
        "created_at": date(group.created_at),
        "account": account,
    }
    if view.pending_count is not None:
        entity["pending_count"] = view.pending_count
    return entity


async def _entities(
    request: web.Request, viewer: AccountRow | None, found: list[GroupView]
) -> list[dict[str, Any]]:
    svc = request.app[SERVICES]
    presenter = await Presenter(svc, viewer).load(account_ids=[v.account.id for v in found])
    return [entity(presenter, v) for v in found]


def _draft(body: params.Params, before: GroupView | None = None) -> GroupDraft:
    if before is None:
        name = params.text(body, "name").strip()
        if not name:
            raise ValidationError("name is required: the group's handle", field="name")
    else:
        name = before.account.username
    description = params.optional_text(body, "description")
    if description is None and before is not None:
        description = _plain(before.account.summary)
    return GroupDraft(
        name=name,
        display_name=params.text(
            body, "display_name", before.account.display_name if before else ""
        ).strip(),
        description=(description or "").strip(),
        membership=params.text(body, "membership", before.membership if before else "open"),
    )


def _plain(summary_html: str) -> str:
    from server.services.html import strip_html

    return strip_html(summary_html.replace("</p><p>", "\n\n").replace("<br>", "\n"))


@routes.post(BASE)
async def create(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    body = await params.body(request)
    view = await groups.create_group(request.app[SERVICES], me.account, _draft(body))
    return ok((await _entities(request, me.account, [view]))[0])


@routes.get(BASE)
async def listing(request: web.Request) -> web.Response:
    """``scope=mine`` (the caller's groups, Link paging), ``pending`` (those the
    caller asked to join) or ``local`` (this server's)."""
    scope = params.text(request.query, "scope", "mine")
    svc = request.app[SERVICES]
    if scope == "local":
        me = await auth.optional(request, "read:accounts")
        viewer = me.account if me else None
        limit = params.limit(request.query, default=PAGE, maximum=40)
        offset = min(max(params.integer(request.query, "offset", 0) or 0, 0), 10_000)
        found = await groups.directory(svc, viewer, limit=limit, offset=offset)
        headers = None
        if len(found) == limit:
            headers = {"Link": f'<{request.url.update_query(offset=offset + limit)}>; rel="next"'}
        return ok(await _entities(request, viewer, found), headers=headers)
    if scope not in ("mine", "pending"):
        raise ValidationError("scope must be mine, pending or local", field="scope")
    me = await auth.required(request, "read:accounts")
    state = PENDING if scope == "pending" else ACCEPTED
    pairs = await groups.my_groups(svc, me.account, params.page(request.query), state=state)
    return paged(
        request, await _entities(request, me.account, [v for _, v in pairs]), [c for c, _ in pairs]
    )


@routes.get(f"{BASE}/{ID}")
async def show(request: web.Request) -> web.Response:
    me = await auth.optional(request, "read:accounts")
    viewer = me.account if me else None
    view = await groups.view(request.app[SERVICES], viewer, params.path_id(request))
    return ok((await _entities(request, viewer, [view]))[0])


@routes.patch(f"{BASE}/{ID}")
async def change(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    svc = request.app[SERVICES]
    before = await groups.view(svc, me.account, params.path_id(request))
    draft = _draft(await params.body(request), before)
    view = await groups.edit_group(svc, me.account, before.account.id, draft)
    return ok((await _entities(request, me.account, [view]))[0])


@routes.post(f"{BASE}/{ID}/join")
async def join(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    view = await groups.join(request.app[SERVICES], me.account, params.path_id(request))
    return ok((await _entities(request, me.account, [view]))[0])


@routes.post(f"{BASE}/{ID}/leave")
async def leave(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    view = await groups.leave(request.app[SERVICES], me.account, params.path_id(request))
    return ok((await _entities(request, me.account, [view]))[0])


async def _people(request: web.Request, state: str) -> web.Response:
    me = await auth.optional(request, "read:accounts")
    viewer = me.account if me else None
    svc = request.app[SERVICES]
    found = await groups.members(
        svc, viewer, params.path_id(request), params.page(request.query), state=state
    )
    presenter = await Presenter(svc, viewer).load(account_ids=[a.id for _, a, _ in found])
    data = [{"account": presenter.account(a), "role": role} for _, a, role in found]
    return paged(request, data, [cursor for cursor, _, _ in found])


@routes.get(f"{BASE}/{ID}/members")
async def members(request: web.Request) -> web.Response:
    return await _people(request, ACCEPTED)


@routes.get(f"{BASE}/{ID}/requests")
async def requests(request: web.Request) -> web.Response:
    """Who asks to join (for the group's moderators)."""
    return await _people(request, PENDING)


@routes.post(f"{BASE}/{ID}/requests/{MEMBER}/{{decision:approve|reject}}")
async def decide(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    approve = request.match_info["decision"] == "approve"
    account_id = params.path_id(request, "account_id")
    await group_moderation.answer_request(
        request.app[SERVICES], me.account, params.path_id(request), account_id, accept=approve
    )
    return ok({"account_id": str(account_id), "approved": approve})


@routes.get(f"{BASE}/{ID}/statuses")
async def statuses(request: web.Request) -> web.Response:
    me = await auth.optional(request, "read:statuses")
    viewer = me.account if me else None
    svc = request.app[SERVICES]
    page = params.page(request.query)
    found = await group_posts.statuses(svc, viewer, params.path_id(request), page)
    presenter = await Presenter(svc, viewer).load(found)
    return paged(request, [presenter.status(s) for s in found], [s.id for s in found])


@routes.delete(f"{BASE}/{ID}/statuses/{{status_id:\\d+}}")
async def remove_status(request: web.Request) -> web.Response:
    """A moderator takes a post out of the group."""
    me = await auth.required(request, "write:statuses")
    status_id = params.path_id(request, "status_id")
    await group_moderation.remove_post(
        request.app[SERVICES], me.account, params.path_id(request), status_id
    )
    return ok({"status_id": str(status_id), "removed": True})


@routes.get(f"{BASE}/{ID}/events")
async def group_events(request: web.Request) -> web.Response:
    me = await auth.optional(request, "read:statuses")
    viewer = me.account if me else None
    svc = request.app[SERVICES]
    ids = await group_posts.upcoming_events(svc, viewer, params.path_id(request))
    return ok(await event_entities(request, viewer, await events.views(svc, viewer, ids)))


@routes.post(f"{BASE}/{ID}/members/{MEMBER}/remove")
async def remove_member(request: web.Request) -> web.Response:
    """Take a member out; ``ban`` (true) keeps them out, with an optional ``reason``."""
    me = await auth.required(request, "write:follows")
    body = await params.body(request)
    account_id = params.path_id(request, "account_id")
    ban = params.boolean(body, "ban")
    await group_moderation.remove_member(
        request.app[SERVICES],
        me.account,
        params.path_id(request),
        account_id,
        ban=ban,
        reason=params.text(body, "reason"),
    )
    return ok({"account_id": str(account_id), "removed": True, "banned": ban})


@routes.get(f"{BASE}/{ID}/bans")
async def bans(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:accounts")
    svc = request.app[SERVICES]
    found = await group_moderation.bans(svc, me.account, params.path_id(request))
    presenter = await Presenter(svc, me.account).load(account_ids=[b.account.id for b in found])
    return ok(
        [
            {
                "account": presenter.account(b.account),
                "reason": b.reason,
                "created_at": date(b.created_at),
            }
            for b in found
        ]
    )


@routes.delete(f"{BASE}/{ID}/bans/{MEMBER}")
async def unban(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    account_id = params.path_id(request, "account_id")
    await group_moderation.unban(
        request.app[SERVICES], me.account, params.path_id(request), account_id
    )
    return ok({"account_id": str(account_id), "banned": False})


@routes.post(f"{BASE}/{ID}/moderators/{MEMBER}")
async def add_moderator(request: web.Request) -> web.Response:
    """The owner names a member moderator (``role``: moderator or owner)."""
    me = await auth.required(request, "write:follows")
    body = await params.body(request)
    role = params.text(body, "role", "moderator")
    if role not in ("moderator", "owner"):
        raise ValidationError("role must be moderator or owner", field="role")
    account_id = params.path_id(request, "account_id")
    await group_moderation.set_moderator(
        request.app[SERVICES], me.account, params.path_id(request), account_id, role
    )
    return ok({"account_id": str(account_id), "role": role})


@routes.delete(f"{BASE}/{ID}/moderators/{MEMBER}")
async def remove_moderator(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    account_id = params.path_id(request, "account_id")
    await group_moderation.set_moderator(
        request.app[SERVICES], me.account, params.path_id(request), account_id, None
    )
    return ok({"account_id": str(account_id), "role": None})
