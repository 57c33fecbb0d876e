"""Notifications: every kind in words, with who and what, each linking to the thing,
with the actions that are natural right there (accept a connection request,
approve a follower, answer an introduction or a recommendation).

Viewing the first page of all notifications marks them seen (the badge in the
top bar counts what is newer). New ones arrive live: ``live.py`` renders
each with ``shape()`` and ``parts/notification.html`` as a ``notification``
event, which this page's list of new notifications inserts at the top.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from aiohttp import web

from server.appkeys import SERVICES
from server.services import connections, graph, notices, recommendations, timelines
from server.services.context import Services
from server.services.errors import ServiceError
from server.store.accounts import AccountRow
from server.store.interactions import NotificationRow
from server.store.statuses import Page
from server.web import netviews
from server.web.network_actions import name_of, refused_inline
from server.web.responses import back, fragment, page, redirect
from server.web.routing import PageRoutes, is_htmx, path_id, query_id
from server.web.session import member, saw_notifications
from server.web.views import PersonView, PostView, Views

routes = PageRoutes()
PAGE_SIZE = 30
# Notifications about a group: ``subject_id`` is the group's account.
GROUP_KINDS = ("warmline.group_request", "warmline.group_accepted")


@dataclass(frozen=True, slots=True)
class NoticeView:
    """One notification as the page says it (the words are in ``macros/notices.html``)."""

    id: int
    kind: str  # the notification type, "warmline." removed
    who: PersonView
    at: datetime
    unseen: bool
    post: PostView | None = None
    state: str = ""  # of what it is about, now: a request's, a follow request's, ...
    request_id: int | None = None
    note: str = ""  # the words that came with it (a request's note, a recommendation)
    skill: str = ""
    intro: netviews.IntroView | None = None
    connected: str = ""  # for a new follower: where the member stands with them
    group: PersonView | None = None  # the group it is about (asked to join, accepted)


async def shape(
    svc: Services, me: AccountRow, rows: list[NotificationRow], seen_id: int
) -> list[NoticeView]:
    """The notifications in words, with what each is about, in a few queries."""
    found = await notices.load(svc, me, rows)
    groups = [n.subject_id for n in found.rows if n.type in GROUP_KINDS and n.subject_id]
    views = await Views(svc, me).load(
        list(found.statuses.values()), [*found.account_ids(), *groups]
    )
    followers = [n.from_account_id for n in found.rows if n.type in ("follow", "follow_request")]
    relations = {r.id: r for r in await graph.relationships(svc, me, followers)}
    states = await connections.states(svc, me, followers)
    about = _Subjects(svc, views, found, relations, states)
    shaped = []
    for row in found.rows:
        who = views.person_by_id(row.from_account_id)
        if who is None:
            continue
        status = found.statuses.get(row.status_id) if row.status_id else None
        view = NoticeView(
            id=row.id,
            kind=row.type.removeprefix("warmline."),
            who=who,
            at=row.created_at,
            unseen=row.id > seen_id,
            post=views.post(status) if status is not None else None,
        )
        shaped.append(about.said(view, row))
    return shaped


@dataclass(frozen=True, slots=True)
class _Subjects:
    """What a page's notifications are about, as loaded for it."""

    svc: Services
    views: Views
    found: notices.Notices
    relations: dict[int, graph.Relationship]
    states: connections.States

    def said(self, view: NoticeView, row: NotificationRow) -> NoticeView:
        """The notification with what its subject says now."""
        found, subject = self.found, row.subject_id or 0
        if row.type == "follow_request":
            asked = self.relations.get(row.from_account_id)
            return replace(view, state="pending" if asked and asked.requested_by else "answered")
        if row.type == "follow":
            return replace(view, connected=self.states.of(row.from_account_id))
        if row.type in GROUP_KINDS:  # the group's account: its page links to the rest
            return replace(view, group=self.views.person_by_id(subject))
        kind = notices.SUBJECTS.get(row.type)
        if kind == "request" and subject in found.requests:
            request = found.requests[subject]
            return replace(view, state=request.state, request_id=request.id, note=request.note)
        if kind == "introduction" and subject in found.introductions:
            intro, role = found.introductions[subject]
            return replace(view, intro=netviews.intro_view(self.svc, self.views, intro, role))
        if kind == "endorsement" and subject in found.endorsements:
            return replace(view, skill=found.endorsements[subject].skill)
        if kind == "recommendation" and subject in found.recommendations:
            rec = found.recommendations[subject]
            return replace(view, state=rec.state, request_id=rec.id, note=rec.text)
        return view


@routes.get("/notifications")
async def notifications_page(request: web.Request) -> web.Response:
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    chosen = request.query.get("filter", "all")
    chosen = chosen if chosen in notices.FILTERS else "all"
    types = notices.FILTERS[chosen]
    older = query_id(request)
    rows = await timelines.notifications(
        svc, me, Page(limit=PAGE_SIZE, max_id=older), types=list(types or ()), warmline=True
    )
    seen = session.notifications_seen_id
    items = await shape(svc, me, rows, seen)
    newest = max((n.id for n in rows), default=0)
    if chosen == "all" and older is None and newest > seen:
        await timelines.mark_notifications_seen(svc, me, newest)
        saw_notifications(request, newest)
    return await page(
        request, "notifications.html", chosen=chosen, live=chosen == "all" and older is None,
        new=[n for n in items if n.unseen], earlier=[n for n in items if not n.unseen],
        older=rows[-1].id if len(rows) == PAGE_SIZE else None,
    )  # fmt: skip


@routes.post(r"/notifications/recommendations/{rec_id}/{action:approve|decline}")
async def answer_recommendation(request: web.Request) -> web.StreamResponse:
    """Approve a recommendation (it shows on the member's profile) or decline it."""
    session = await member(request)
    svc, me, action = request.app[SERVICES], session.account, request.match_info["action"]
    try:
        rec_id = path_id(request, "rec_id", "Recommendation not found")
        rec = await recommendations.answer(svc, me, rec_id, approve=action == "approve")
        author = await graph.get_account(svc, rec.account_id)
    except ServiceError as exc:
        if is_htmx(request):
            return await refused_inline(request, exc)
        raise
    message = (
        f"{name_of(author)}'s recommendation is on your profile now."
        if action == "approve"
        else f"You declined {name_of(author)}'s recommendation: it stays off your profile."
    )
    if is_htmx(request):
        return await fragment(request, "parts/network_done.html", message=message)
    raise redirect(request, back(request, "/notifications"), flash=message)
