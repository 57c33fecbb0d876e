"""Acting on an event from its page: answering (Going, Maybe, Can't go), inviting
connections, and the organiser's approving or declining who asked to come.

Each is a form that posts and comes back to the event's page with a message
saying what happened (the waiting list, a request waiting for approval). A
refusal is the event's page again with its status and the service's message:
above the page, or next to the invite checklist (an event the member may not
see is the page's own 404).
"""

from __future__ import annotations

from aiohttp import web

from server import ids
from server.appkeys import SERVICES
from server.services import events
from server.services.errors import ServiceError
from server.web.events import NO_EVENT, event_page
from server.web.forms import FormState
from server.web.network_actions import said
from server.web.responses import redirect
from server.web.routing import PageRoutes, form_of, path_id
from server.web.session import member

routes = PageRoutes()
ANSWERED = {
    "going": "You are going. See you there!",
    "waitlisted": "The event is full: you are on the waiting list, and will be told "
    "if a place frees up.",
    "pending": "You asked to come: the organiser will say yes or no.",
    "maybe": "You said maybe.",
    "not_going": "You said you can't go.",
}
INVITE_FIELDS = {"account_ids": "account_ids"}


@routes.post(r"/events/{event_id:\d+}/rsvp")
async def rsvp(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    event_id = path_id(request, "event_id", NO_EVENT)
    answer = form_of(request).text("answer")
    try:
        view = await events.rsvp(request.app[SERVICES], session.account, event_id, answer)
    except ServiceError as exc:
        return await event_page(request, event_id, error=said(exc), http_status=exc.status)
    flash = ANSWERED.get(view.my_rsvp or "", "")
    raise redirect(request, f"/events/{event_id}", flash=flash)


@routes.post(r"/events/{event_id:\d+}/invite")
async def invite(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    event_id = path_id(request, "event_id", NO_EVENT)
    submitted = form_of(request)
    chosen = [i for i in map(ids.parse, submitted.texts("account_ids")) if i is not None]
    try:
        fresh = await events.invite(request.app[SERVICES], session.account, event_id, chosen)
    except ServiceError as exc:
        form = FormState.of(submitted.fields).refused(exc, INVITE_FIELDS)
        return await event_page(request, event_id, invite_form=form, http_status=exc.status)
    count = len(fresh)
    flash = (
        f"Invited {count} {'person' if count == 1 else 'people'}; they are told."
        if count
        else "They were invited already."
    )
    raise redirect(request, f"/events/{event_id}", flash=flash)


@routes.post(r"/events/{event_id:\d+}/requests/{account_id:\d+}/{decision:approve|decline}")
async def decide(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    event_id = path_id(request, "event_id", NO_EVENT)
    account_id = path_id(request, "account_id")
    approve = request.match_info["decision"] == "approve"
    try:
        row = await events.decide(
            request.app[SERVICES], session.account, event_id, account_id, approve=approve
        )
    except ServiceError as exc:
        return await event_page(request, event_id, error=said(exc), http_status=exc.status)
    flash = {
        "going": "Approved: they are going and are told.",
        "waitlisted": "Approved: the event is full, so they are on the waiting list.",
    }.get(row.state, "Declined.")
    raise redirect(request, f"/events/{event_id}", flash=flash)
