"""Acting on one's network from a page: connect, answer or withdraw a request,
answer a follow request, remove a connection, take a step of an introduction.

Each action is a form that posts and comes back (a redirect to the page it came
from, with a message); with htmx the answer is the row it acted on, in its new
state, swapped in place. A form sent with ``view=inline`` (the notifications
page) gets a sentence instead of the row. A refusal says why: without
JavaScript, the tab (or the introduction's page, or the connect page) again
with a 4xx and the message, the note typed kept next to its error; with htmx,
the row again with the message in it (htmx swaps only 2xx answers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiohttp import web

from server.appkeys import SERVICES
from server.services import connections, graph, introductions
from server.services.errors import ServiceError
from server.store.accounts import AccountRow
from server.web import netviews
from server.web.forms import FormState
from server.web.network import connect_page, introduction_detail, tab_page
from server.web.responses import back, fragment, redirect
from server.web.routing import PageRoutes, form_of, is_htmx, path_id
from server.web.session import member, safe_next
from server.web.views import person

routes = PageRoutes()
ROW = "parts/network_row.html"


def said(exc: ServiceError) -> str:
    """A service's message as a sentence."""
    return exc.message[:1].upper() + exc.message[1:]


def name_of(account: AccountRow) -> str:
    return account.display_name or account.username


async def done(
    request: web.Request, message: str, row: Callable[[], Awaitable[dict[str, Any]]], to: str
) -> web.StreamResponse:
    """The answer to an action that was taken: the row (htmx), a sentence (htmx,
    ``view=inline``), or back to the page it came from with ``message``."""
    if is_htmx(request):
        if form_of(request).text("view") == "inline":
            return await fragment(request, "parts/network_done.html", message=message)
        return await fragment(request, ROW, **await row())
    raise redirect(request, back(request, to), flash=message)


async def refused_inline(request: web.Request, exc: ServiceError) -> web.Response:
    """With htmx: the message where the row (or the inline actions) were."""
    row = form_of(request).text("view") != "inline"
    return await fragment(
        request, "parts/network_done.html", message=said(exc), failed=True, row=row
    )


# --- connecting ---------------------------------------------------------------------------


@routes.post(r"/network/connect/{account_id}")
async def connect(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, form, me = request.app[SERVICES], form_of(request), session.account
    target: AccountRow | None = None
    try:
        target = await graph.get_account(svc, path_id(request, "account_id", "Person not found"))
        row = await connections.request(svc, me, target, form.text("note"))
    except ServiceError as exc:
        if is_htmx(request):
            return await _card_refused(request, exc, target)
        state = FormState.of(form.fields).refused(exc, {"account_id": ""})
        return await connect_page(request, state, http_status=exc.status)
    connected = row.state == "accepted"
    message = (
        f"You and {name_of(target)} are now connected."
        if connected
        else f"Your request to connect was sent to {name_of(target)}."
    )

    async def card() -> dict[str, Any]:  # the card's actions, in their new state
        [shown] = await netviews.person_cards(svc, me, [target])
        return {"kind": "card", "item": replace(shown, done=shown.state)}

    if form.text("next") and not is_htmx(request):
        raise redirect(request, safe_next(form.text("next")), flash=message)
    return await done(request, message, card, "/network/suggestions")


async def _card_refused(
    request: web.Request, exc: ServiceError, target: AccountRow | None
) -> web.Response:
    """With htmx: a person card's actions again, saying why (or the sentence alone)."""
    if target is None or form_of(request).text("view") == "inline":
        return await fragment(request, "parts/network_done.html", message=said(exc), failed=True)
    session = await member(request)
    [card] = await netviews.person_cards(request.app[SERVICES], session.account, [target])
    return await fragment(request, ROW, kind="card", item=replace(card, error=said(exc)))


# --- connection requests ------------------------------------------------------------------


@routes.post(r"/network/requests/{request_id}/{action:accept|decline|withdraw}")
async def answer_request(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, me, action = request.app[SERVICES], session.account, request.match_info["action"]
    try:
        request_id = path_id(request, "request_id", "Connection request not found")
        if action == "withdraw":
            row = await connections.withdraw(svc, me, request_id)
        else:
            row = await connections.answer(svc, me, request_id, accept=action == "accept")
        incoming = action != "withdraw"
        other = await graph.get_account(svc, row.account_id if incoming else row.target_account_id)
    except ServiceError as exc:
        if is_htmx(request):
            return await refused_inline(request, exc)
        return await tab_page(request, "requests", http_status=exc.status, error=said(exc))
    message = {
        "accept": f"You and {name_of(other)} are now connected.",
        "decline": f"You declined {name_of(other)}'s request to connect.",
        "withdraw": f"You withdrew your request to connect with {name_of(other)}.",
    }[action]

    async def shown() -> dict[str, Any]:
        view = netviews.request_view(svc, row, other, incoming=incoming)
        return {"kind": "request", "item": view}

    return await done(request, message, shown, "/network/requests")


@routes.post(r"/network/follow-requests/{account_id}/{action:approve|reject}")
async def answer_follow_request(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, me, action = request.app[SERVICES], session.account, request.match_info["action"]
    try:
        follower = await graph.get_account(
            svc, path_id(request, "account_id", "Follow request not found")
        )
        await graph.answer_request(svc, me, follower.id, accept=action == "approve")
    except ServiceError as exc:
        if is_htmx(request):
            return await refused_inline(request, exc)
        return await tab_page(request, "requests", http_status=exc.status, error=said(exc))
    message = (
        f"{name_of(follower)} follows you now."
        if action == "approve"
        else f"You turned down {name_of(follower)}'s request to follow you."
    )

    async def shown() -> dict[str, Any]:
        state = "approved" if action == "approve" else "rejected"
        return {"kind": "follow", "item": netviews.FollowRequestView(person(svc, follower), state)}

    return await done(request, message, shown, "/network/requests")


# --- connections --------------------------------------------------------------------------


@routes.post(r"/network/connections/{account_id}/remove")
async def remove_connection(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    try:
        peer = await graph.get_account(svc, path_id(request, "account_id", "Connection not found"))
        if not form_of(request).flag("confirm"):  # not confirmed yet: ask first
            raise redirect(request, f"/network/connections/{peer.id}/remove")
        await connections.remove(svc, me, peer)
    except ServiceError as exc:
        if is_htmx(request):
            return await refused_inline(request, exc)
        return await tab_page(request, "connections", http_status=exc.status, error=said(exc))

    async def shown() -> dict[str, Any]:
        view = netviews.ConnectionView(person(svc, peer), "", None, removed=True)
        return {"kind": "connection", "item": view}

    message = f"You are no longer connected with {name_of(peer)}."
    if not is_htmx(request):
        raise redirect(request, "/network", flash=message)
    return await done(request, message, shown, "/network")


# --- introductions ------------------------------------------------------------------------

INTRO_STEPS = "forward|decline|accept|withdraw"


async def _take_step(request: web.Request, intro_id: int, action: str) -> Any:
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    if action == "forward":
        return await introductions.forward(svc, me, intro_id, form_of(request).text("note"))
    if action == "decline":
        return await introductions.decline(svc, me, intro_id)
    if action == "accept":
        return await introductions.accept(svc, me, intro_id)
    return await introductions.withdraw(svc, me, intro_id)


def _step_message(intro: netviews.IntroView, action: str) -> str:
    requester, target = intro.requester.name, intro.target.name
    if action == "forward":
        return f"You introduced {requester} to {target}. We will tell you when {target} answers."
    if action == "accept":
        return f"You and {requester} are now connected. Say hello!"
    if action == "withdraw":
        return f"You withdrew your request to be introduced to {target}."
    if intro.role == "target":
        return f"You declined the introduction to {requester}."
    return f"You declined. {requester} will only hear that it is not possible right now."


@routes.post(rf"/network/introductions/{{intro_id}}/{{action:{INTRO_STEPS}}}")
async def introduction_step(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, me, action = request.app[SERVICES], session.account, request.match_info["action"]
    form = form_of(request)
    try:
        intro_id = path_id(request, "intro_id", "Introduction not found")
        intro = await _take_step(request, intro_id, action)
    except ServiceError as exc:
        return await _step_refused(request, exc)
    role = introductions.role_of(intro, me) or "requester"
    [shown] = await netviews.intro_views(svc, me, [(intro, role)])

    async def row() -> dict[str, Any]:
        return {"kind": "intro", "item": shown, "detail": form.text("view") == "detail"}

    return await done(request, _step_message(shown, action), row, "/network/introductions")


async def _step_refused(request: web.Request, exc: ServiceError) -> web.Response:
    """The introduction again with the message (and the note as typed), if it is the
    member's; else the message alone."""
    session = await member(request)
    svc, form = request.app[SERVICES], form_of(request)
    state = FormState.of(form.fields).refused(exc)
    if is_htmx(request) and form.text("view") == "inline":
        return await refused_inline(request, exc)
    try:
        intro, role = await introductions.get_mine(
            svc, session.account, path_id(request, "intro_id", "Introduction not found")
        )
    except ServiceError:
        if is_htmx(request):
            return await refused_inline(request, exc)
        return await tab_page(request, "introductions", http_status=exc.status, error=said(exc))
    if is_htmx(request):
        [shown] = await netviews.intro_views(svc, session.account, [(intro, role)])
        shown = replace(shown, form=state, error=state.general)
        return await fragment(
            request, ROW, kind="intro", item=shown, detail=form.text("view") == "detail"
        )
    if form.text("view") == "detail":
        return await introduction_detail(request, state, http_status=exc.status)
    return await tab_page(
        request, "introductions", http_status=exc.status, error=said(exc), forms={intro.id: state}
    )
