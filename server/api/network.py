"""Warmline extension routes: connections, connection requests, introductions, blocks."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter, date, relationship
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import blocks, connections, graph, introductions
from server.services.errors import ValidationError
from server.store.accounts import AccountRow
from server.store.connections import RequestRow
from server.store.introductions import IntroductionRow

routes = web.RouteTableDef()
BASE = "/api/v1/warmline"
ID = r"{id:\d+}"


def _account_id(data: Any, name: str) -> int:
    found = params.identifier(data, name)
    if found is None:
        raise ValidationError(f"{name} is required (an account id)", field=name)
    return found


async def _account_from(request: web.Request, data: Any, name: str) -> AccountRow:
    return await graph.get_account(request.app[SERVICES], _account_id(data, name))


def _request_entity(row: RequestRow, presenter: Presenter, *, incoming: bool) -> dict[str, Any]:
    other = row.account_id if incoming else row.target_account_id
    return {
        "id": str(row.id),
        "direction": "incoming" if incoming else "outgoing",
        "account": presenter.account(presenter.accounts[other]),
        "note": row.note,
        "state": row.state,
        "fallback": row.fallback,
        "created_at": date(row.created_at),
    }


# --- connections ---------------------------------------------------------------------------


@routes.post(f"{BASE}/connections")
async def request_connection(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    data = await params.body(request)
    target = await _account_from(request, data, "account_id")
    svc = request.app[SERVICES]
    row = await connections.request(svc, me.account, target, params.text(data, "note"))
    incoming = row.target_account_id == me.account.id
    presenter = await Presenter(svc, me.account).load(
        account_ids=[row.account_id, row.target_account_id]
    )
    return ok(_request_entity(row, presenter, incoming=incoming))


@routes.get(f"{BASE}/connections")
async def list_connections(request: web.Request) -> web.Response:
    """The caller's connections, or another member's (``account_id``) if visible."""
    me = await auth.required(request, "read:follows")
    svc = request.app[SERVICES]
    owner = me.account
    if "account_id" in request.query:
        owner = await _account_from(request, request.query, "account_id")
    limit = params.limit(request.query, default=40, maximum=80)
    offset = max(params.integer(request.query, "offset", 0) or 0, 0)
    found = await connections.visible_connections(
        svc, me.account, owner, limit=limit, offset=offset
    )
    presenter = await Presenter(svc, me.account).load(account_ids=[c.peer.id for c in found])
    return ok(
        [
            {
                "account": presenter.account(c.peer),
                "note": c.note,
                "connected_at": date(c.created_at),
            }
            for c in found
        ]
    )


@routes.delete(f"{BASE}/connections/{{account_id:\\d+}}")
async def remove_connection(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    svc = request.app[SERVICES]
    peer = await graph.get_account(svc, params.path_id(request, "account_id"))
    await connections.remove(svc, me.account, peer)
    return ok({})


@routes.get(f"{BASE}/connection_requests")
async def list_requests(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:follows")
    direction = request.query.get("direction", "incoming")
    if direction not in ("incoming", "outgoing"):
        raise ValidationError("direction must be incoming or outgoing", field="direction")
    svc = request.app[SERVICES]
    incoming = direction == "incoming"
    found = await connections.requests(
        svc, me.account, params.page(request.query), incoming=incoming
    )
    presenter = await Presenter(svc, me.account).load(account_ids=list(found.accounts))
    data = [_request_entity(r, presenter, incoming=incoming) for r in found.requests]
    return paged(request, data, [r.id for r in found.requests])


@routes.post(f"{BASE}/connection_requests/{ID}/{{action:accept|decline|withdraw}}")
async def answer_request(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    svc = request.app[SERVICES]
    request_id = params.path_id(request)
    action = request.match_info["action"]
    if action == "withdraw":
        row = await connections.withdraw(svc, me.account, request_id)
    else:
        row = await connections.answer(svc, me.account, request_id, accept=action == "accept")
    presenter = await Presenter(svc, me.account).load(
        account_ids=[row.account_id, row.target_account_id]
    )
    return ok(_request_entity(row, presenter, incoming=action != "withdraw"))


# --- introductions -------------------------------------------------------------------------


def _intro_entity(
    intro: IntroductionRow, role: str, presenter: Presenter, now: Any
) -> dict[str, Any]:
    """What ``role`` may know of an introduction (the requester never learns who declined)."""
    accounts = presenter.accounts
    entity: dict[str, Any] = {
        "id": str(intro.id),
        "role": role,
        "state": introductions.view_state(intro, role, now),
        "requester": presenter.account(accounts[intro.requester_id]),
        "introducer": presenter.account(accounts[intro.introducer_id]),
        "target": presenter.account(accounts[intro.target_id]),
        "reason": intro.reason,
        "created_at": date(intro.created_at),
        "expires_at": date(intro.expires_at),
    }
    if role != "requester":
        entity["note"] = intro.note
    if role == "introducer":
        entity["declined_by"] = intro.declined_by
    # The introducer's instance opens the three-way conversation on accept.
    entity["conversation_status_id"] = str(intro.status_id) if intro.status_id else None
    return entity


async def _show(
    request: web.Request, me: AccountRow, intro: IntroductionRow, role: str | None = None
) -> web.Response:
    svc = request.app[SERVICES]
    role = role or introductions.role_of(intro, me) or "requester"
    presenter = await Presenter(svc, me).load(
        account_ids=[intro.requester_id, intro.introducer_id, intro.target_id]
    )
    return ok(_intro_entity(intro, role, presenter, svc.now()))


@routes.post(f"{BASE}/introductions")
async def request_introduction(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    data = await params.body(request)
    target = await _account_from(request, data, "target_account_id")
    via = await _account_from(request, data, "via_account_id")
    svc = request.app[SERVICES]
    reason = params.text(data, "reason")
    intro = await introductions.request(svc, me.account, target, via, reason)
    return await _show(request, me.account, intro, "requester")


@routes.get(f"{BASE}/introductions")
async def list_introductions(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:follows")
    role = request.query.get("role", "requester")
    svc = request.app[SERVICES]
    found = await introductions.list_mine(svc, me.account, role, params.page(request.query))
    wanted = {i for x in found for i in (x.requester_id, x.introducer_id, x.target_id)}
    presenter = await Presenter(svc, me.account).load(account_ids=list(wanted))
    data = [_intro_entity(x, role, presenter, svc.now()) for x in found]
    return paged(request, data, [x.id for x in found])


@routes.get(f"{BASE}/introductions/{ID}")
async def get_introduction(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:follows")
    intro, role = await introductions.get_mine(
        request.app[SERVICES], me.account, params.path_id(request)
    )
    return await _show(request, me.account, intro, role)


@routes.post(f"{BASE}/introductions/{ID}/{{action:forward|decline|accept|withdraw}}")
async def introduction_step(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:follows")
    svc = request.app[SERVICES]
    intro_id = params.path_id(request)
    action = request.match_info["action"]
    if action == "forward":
        data = await params.body(request)
        note = params.text(data, "note")
        intro = await introductions.forward(svc, me.account, intro_id, note)
    elif action == "decline":
        intro = await introductions.decline(svc, me.account, intro_id)
    elif action == "accept":
        intro = await introductions.accept(svc, me.account, intro_id)
    else:
        intro = await introductions.withdraw(svc, me.account, intro_id)
    return await _show(request, me.account, intro)


# --- blocks (the Mastodon routes; introductions and connections respect them) ---------------


@routes.post(f"/api/v1/accounts/{ID}/{{action:block|unblock}}")
async def block(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:blocks")
    svc = request.app[SERVICES]
    target = await graph.get_account(svc, params.path_id(request))
    on = request.match_info["action"] == "block"
    await blocks.block(svc, me.account, target, on=on)
    found = await graph.relationships(svc, me.account, [target.id])
    return ok(relationship(found[0]))
