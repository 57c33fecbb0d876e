"""Reporting an account, and some of its posts, to the moderators (``/report``).

Reached from a profile ("Report") or a post's menu (``/report?account=ID&status=ID``,
that post ticked). The page asks for a category, a comment, which of the
account's recent posts to include and, for an account on another server,
whether to send that server an anonymous copy. Every rule is in
``services/reports.py`` (which the client API uses too); a refusal comes back as
the same page, its message next to the field and everything typed kept.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from multidict import MultiDict

from server import ids
from server.appkeys import SERVICES
from server.services import account_moderation, posts, reports, timelines
from server.services.errors import NotFound, ServiceError
from server.services.html import strip_html
from server.store.accounts import AccountRow
from server.store.statuses import Page, StatusRow
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, form_of
from server.web.session import member, safe_next
from server.web.views import person

routes = PageRoutes()
RECENT = 10  # the account's posts offered in the checklist
EXCERPT = 280
THANKS = "Thanks — the moderators of this server will look at it."
# The service's field names that have no field of their own on the page: above the form.
GENERAL_FIELDS = {"account_id": "", "status_ids": "status_ids"}


async def _target(request: web.Request, text: str) -> AccountRow:
    account_id = ids.parse(text)
    if account_id is None:
        raise NotFound("There is no such account here")
    return await account_moderation.target(request.app[SERVICES], account_id)


async def _checklist(
    request: web.Request, me: AccountRow, target: AccountRow, status_id: int | None
) -> list[dict[str, Any]]:
    """The account's recent posts the member may see, the post they came from first."""
    svc = request.app[SERVICES]
    recent = await timelines.account_statuses(
        svc, me, target, Page(limit=RECENT), exclude_reblogs=True
    )
    shown: list[StatusRow] = []
    if status_id is not None and all(s.id != status_id for s in recent):
        try:
            came_from = await posts.visible_status(svc, me, status_id)
        except NotFound:
            came_from = None
        if came_from is not None and came_from.account_id == target.id:
            shown.append(came_from)
    shown += recent
    return [
        {
            "id": s.id,
            "text": _excerpt(s),
            "created_at": s.created_at,
            "images": not s.content.strip(),
        }
        for s in shown
    ]


def _excerpt(status: StatusRow) -> str:
    text = " ".join(strip_html(status.content).split())
    if status.spoiler_text:
        text = f"{status.spoiler_text} — {text}" if text else status.spoiler_text
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


async def _report_page(
    request: web.Request,
    me: AccountRow,
    target: AccountRow,
    form: FormState,
    http_status: int = 200,
) -> web.Response:
    status_id = ids.parse(str(form.value("status")))
    return await page(
        request,
        "report.html",
        target=target,
        person=person(request.app[SERVICES], target),
        form=form,
        statuses=await _checklist(request, me, target, status_id),
        categories=reports.CATEGORIES,
        max_comment=reports.MAX_COMMENT,
        http_status=http_status,
    )


def _came_from(request: web.Request, target_path: str) -> str:
    referer = request.headers.get("Referer", "")
    back = safe_next(referer) if referer else target_path
    return target_path if back.startswith("/report") else back


@routes.get("/report")
async def report_page(request: web.Request) -> web.Response:
    session = await member(request)
    target = await _target(request, request.query.get("account", ""))
    status_id = ids.parse(request.query.get("status", ""))
    values: MultiDict[Any] = MultiDict(
        account=str(target.id), category="other", comment="",
        next=_came_from(request, person(request.app[SERVICES], target).path),
    )  # fmt: skip
    if status_id is not None:
        values.add("status", str(status_id))
        values.add("status_ids", str(status_id))
    return await _report_page(request, session.account, target, FormState(values))


@routes.post("/report")
async def report_send(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, submitted = request.app[SERVICES], form_of(request)
    target = await _target(request, submitted.text("account"))
    chosen = [ids.parse(i) for i in submitted.texts("status_ids")]
    try:
        await reports.report(
            svc,
            session.account,
            reports.Draft(
                target_id=target.id,
                status_ids=tuple(i for i in chosen if i is not None),
                comment=submitted.text("comment"),
                category=submitted.text("category"),
                forward=submitted.flag("forward"),
            ),
        )
    except ServiceError as exc:
        form = FormState.of(submitted.fields).refused(exc, GENERAL_FIELDS)
        return await _report_page(request, session.account, target, form, exc.status)
    raise redirect(request, submitted.text("next") or "/", flash=THANKS)
