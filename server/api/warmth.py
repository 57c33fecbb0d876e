"""Warmline extension routes: reasons to talk (``/api/v1/warmline/warmth``).

``GET`` lists them as the home page shows them, the kinds taking turns; each
has a ``type`` (``job_change``, ``event``, ``group``) and an ``id``
(``type:subject``) that ``POST .../{type}/{subject}/dismiss`` puts away:

- ``job_change``: ``account`` (a connection), ``title``, ``organization``
  (may be ""), ``changed_at``;
- ``event``: ``event`` (as ``/api/v1/warmline/events`` shows one),
  ``connections_going`` and ``accounts`` (a few of them);
- ``group``: ``group`` (an Account), ``people_active`` (people the member
  knows who posted there in the last 30 days) and ``accounts`` (a few of them).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api import events as event_routes
from server.api.entities import Presenter, date
from server.api.responses import ok
from server.appkeys import SERVICES
from server.services import warmth
from server.services.warmth import EventReason, GroupReason, Reason

routes = web.RouteTableDef()
BASE = "/api/v1/warmline/warmth"


def _people(reason: Reason) -> list[int]:
    if isinstance(reason, EventReason):
        return [reason.event.organizer.id, *(a.id for a in reason.people)]
    if isinstance(reason, GroupReason):
        return [reason.group.id, *(a.id for a in reason.people)]
    return [reason.account.id]


def _entity(presenter: Presenter, reason: Reason) -> dict[str, Any]:
    head = {"type": reason.kind, "id": f"{reason.kind}:{reason.subject_id}"}
    if isinstance(reason, EventReason):
        return {
            **head,
            "event": event_routes.entity(presenter, reason.event),
            "connections_going": reason.going,
            "accounts": [presenter.account(a) for a in reason.people],
        }
    if isinstance(reason, GroupReason):
        return {
            **head,
            "group": presenter.account(reason.group),
            "people_active": reason.active,
            "accounts": [presenter.account(a) for a in reason.people],
        }
    return {
        **head,
        "account": presenter.account(reason.account),
        "title": reason.title,
        "organization": reason.organization,
        "changed_at": date(reason.changed_at),
    }


@routes.get(BASE)
async def listing(request: web.Request) -> web.Response:
    """Reasons to talk: ``limit`` (1 to 20, 5 by default)."""
    me = await auth.required(request, "read:accounts")
    svc = request.app[SERVICES]
    limit = params.limit(request.query, default=warmth.DEFAULT_LIMIT, maximum=warmth.MAX_LIMIT)
    found = await warmth.suggestions(svc, me.account, limit=limit)
    wanted = [i for reason in found for i in _people(reason)]
    presenter = await Presenter(svc, me.account).load(account_ids=wanted)
    return ok([_entity(presenter, reason) for reason in found])


@routes.post(BASE + r"/{kind}/{id:\d+}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    """Stop suggesting it (a job change: until the connection's next one); ``kind``
    is a suggestion's ``type`` (422 for any other)."""
    me = await auth.required(request, "write:accounts")
    kind = request.match_info["kind"]
    await warmth.dismiss(request.app[SERVICES], me.account, kind, params.path_id(request))
    return ok({})
