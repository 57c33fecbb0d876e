"""Reasons to talk on the home page (``services/warmth.py``): the box's items, and
what they lead to: congratulating a connection on a new job (a page with a
direct message to them alone, written for the member and theirs to change) and
putting a suggestion away. ``home.py`` routes these handlers.

Each item has one action: an event, "I'm going too" (the event's own answer
form, which comes back to the event's page); a group, "Join" (the group's own
form, which comes back to the group's page); a job change, "Congratulate". And
a "Not now" button that dismisses it. Every one is a plain link or form: no
JavaScript needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from server import ids
from server.appkeys import SERVICES
from server.services import objects, posts, warmth
from server.services.context import Services
from server.services.errors import ServiceError
from server.services.warmth import EventReason, GroupReason, JobChangeReason, Reason
from server.web.eventtime import When, when_of
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import form_of, path_id
from server.web.session import member
from server.web.views import PersonView, person

NO_CHANGE = "There is no new job to congratulate this person on"
DISMISSED = "Done: that suggestion is put away."


@dataclass(frozen=True, slots=True)
class ReasonView:
    """One item of the box. ``title`` links to ``path``; ``people`` are faces."""

    kind: str  # event, group, job_change
    subject_id: int
    title: str  # the event's or the group's name; the new job's title
    path: str
    people: tuple[PersonView, ...] = ()
    count: int = 0  # connections going, or people one knows active
    organization: str = ""  # the new job's
    face: PersonView | None = None  # who changed jobs, or the group
    since: datetime | None = None  # when the change was noticed
    when: When | None = None  # the event's

    @property
    def others(self) -> int:
        """How many more than the people named."""
        return max(self.count - len(self.people), 0)


def _view(svc: Services, reason: Reason) -> ReasonView:
    if isinstance(reason, EventReason):
        event = reason.event.event
        return ReasonView(
            kind=reason.kind,
            subject_id=reason.subject_id,
            title=event.title,
            path=f"/events/{event.id}",
            people=tuple(person(svc, a) for a in reason.people),
            count=reason.going,
            when=when_of(event),
        )
    if isinstance(reason, GroupReason):
        group = person(svc, reason.group)  # its page here, for one elsewhere too
        return ReasonView(
            kind=reason.kind,
            subject_id=reason.subject_id,
            title=group.name,
            path=group.path,
            people=tuple(person(svc, a) for a in reason.people),
            count=reason.active,
            face=group,
        )
    who = person(svc, reason.account)
    return ReasonView(
        kind=reason.kind,
        subject_id=reason.subject_id,
        title=reason.title,
        path=who.path,
        organization=reason.organization,
        face=who,
        since=reason.changed_at,
    )


def views(svc: Services, reasons: Sequence[Reason]) -> list[ReasonView]:
    return [_view(svc, r) for r in reasons]


# --- congratulating -----------------------------------------------------------------------


async def _congratulate_page(
    request: web.Request, change: JobChangeReason, form: FormState, http_status: int = 200
) -> web.Response:
    svc = request.app[SERVICES]
    return await page(
        request,
        "congratulate.html",
        change=_view(svc, change),
        form=form,
        limit=posts.MAX_CHARS - len(objects.acct(svc, change.account)) - 2,
        http_status=http_status,
    )


async def congratulate_page(request: web.Request) -> web.Response:
    """``GET /warmth/congratulate/{account_id}``: the message, ready to send."""
    session = await member(request)
    account_id = path_id(request, "account_id", NO_CHANGE)
    change = await warmth.job_change(request.app[SERVICES], session.account, account_id)
    return await _congratulate_page(request, change, FormState.of())


async def congratulate(request: web.Request) -> web.StreamResponse:
    """``POST /warmth/congratulate/{account_id}``: send it, and back home."""
    session = await member(request)
    svc = request.app[SERVICES]
    account_id = path_id(request, "account_id", NO_CHANGE)
    change = await warmth.job_change(svc, session.account, account_id)
    words = form_of(request).text("status")
    try:
        sent = await warmth.congratulate(svc, session.account, account_id, words)
    except ServiceError as exc:
        form = FormState.of({"status": words}).refused(exc)
        return await _congratulate_page(request, change, form, exc.status)
    name = change.account.display_name or change.account.username
    flash = f"Your message is on its way to {name}." if sent else f"You wrote to {name} already."
    raise redirect(request, "/", flash=flash)


# --- putting a suggestion away ------------------------------------------------------------


async def dismiss(request: web.Request) -> web.StreamResponse:
    """``POST /warmth/dismiss`` (``kind``, ``subject_id``): not suggested again."""
    session = await member(request)
    form = form_of(request)
    subject = ids.parse(form.text("subject_id"))
    if subject is None:
        raise redirect(request, "/")
    await warmth.dismiss(request.app[SERVICES], session.account, form.text("kind"), subject)
    raise redirect(request, "/", flash=DISMISSED)
