"""Moderation on the web: the reports queue (``/admin/reports``, open and resolved),
acting on a reported account (limit, suspend, lift), and the moderation log
(``/admin/log``). Moderators and admins only (``session.moderator``).

Every rule is in the services: ``reports`` (the queue, resolving), ``account_moderation``
(what a moderator may do to whom: a moderator cannot act on an admin) and ``audit``
(the log). A refused action comes back as a one-time message on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from yarl import URL

from server.appkeys import SERVICES
from server.services import account_moderation, audit, reports, timelines
from server.services.context import Services
from server.services.errors import Conflict, Forbidden
from server.services.html import strip_html
from server.store import accounts as accounts_q
from server.store.accounts import AccountRow
from server.store.reports import ReportRow
from server.web.responses import back, page, redirect
from server.web.routing import PageRoutes, form_of, path_id, query_id
from server.web.session import moderator
from server.web.views import PersonView, person

routes = PageRoutes()
QUEUE = "/admin/reports"
PER_PAGE = 30
LOG_PER_PAGE = 100
EXCERPT = 500
NO_REPORT = "There is no such report"
NO_ACCOUNT = "There is no such account here"
DONE = {
    "silence": "{name} is limited: their posts stay out of public timelines.",
    "suspend": "{name} is suspended.",
    "unsilence": "{name} is no longer limited.",
    "unsuspend": "The suspension of {name} is lifted.",
}


@dataclass(frozen=True, slots=True)
class ReportedPost:
    id: int
    text: str
    path: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ReportView:
    report: ReportRow
    reporter: PersonView | None  # a member of this server
    reporter_host: str  # else the other server it came from
    target: PersonView | None
    target_account: AccountRow | None
    posts: list[ReportedPost]
    resolved_by: PersonView | None


def _excerpt(content: str, spoiler: str) -> str:
    text = " ".join(strip_html(content).split())
    if spoiler:
        text = f"{spoiler} — {text}" if text else spoiler
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


async def _views(svc: Services, found: list[ReportRow]) -> list[ReportView]:
    """The people and posts of a page of reports, in two reads."""
    wanted = {r.account_id for r in found} | {r.target_account_id for r in found}
    wanted |= {r.resolved_by_id for r in found if r.resolved_by_id}
    async with svc.db.read() as conn:
        accounts = await accounts_q.get_accounts(conn, wanted)
    statuses = {
        s.id: s
        for s in await timelines.statuses_by_id(svc, [i for r in found for i in r.status_ids])
    }
    shown = {account_id: person(svc, a) for account_id, a in accounts.items()}
    views = []
    for r in found:
        reporter = accounts.get(r.account_id)
        target = shown.get(r.target_account_id)
        posts = [
            ReportedPost(
                s.id,
                _excerpt(s.content, s.spoiler_text),
                f"{target.path}/{s.id}" if target else "",
                s.created_at,
            )
            for s in (statuses.get(i) for i in r.status_ids)
            if s is not None
        ]
        views.append(
            ReportView(
                report=r,
                reporter=shown[r.account_id] if reporter and reporter.is_local else None,
                reporter_host=(reporter.domain or "") if reporter else "",
                target=target,
                target_account=accounts.get(r.target_account_id),
                posts=posts,
                resolved_by=shown.get(r.resolved_by_id or 0),
            )
        )
    return views


@routes.get(QUEUE)
async def queue(request: web.Request) -> web.Response:
    session = await moderator(request)
    svc = request.app[SERVICES]
    resolved = request.query.get("show") == "resolved"
    found = await reports.reports_for(
        svc, session.account, resolved=resolved, limit=PER_PAGE, max_id=query_id(request)
    )
    older = ""
    if len(found) == PER_PAGE:
        query = {"max_id": str(found[-1].id), **({"show": "resolved"} if resolved else {})}
        older = str(URL(QUEUE).with_query(query))
    return await page(
        request,
        "admin/reports.html",
        tab="reports",
        resolved=resolved,
        items=await _views(svc, found),
        older=older,
        me_id=session.account.id,
    )


@routes.post(r"/admin/reports/{report_id}/{action:resolve|reopen}")
async def resolve(request: web.Request) -> web.StreamResponse:
    session = await moderator(request)
    report_id = path_id(request, "report_id", NO_REPORT)
    reopen = request.match_info["action"] == "reopen"
    try:
        await reports.resolve(request.app[SERVICES], session.account, report_id, reopen=reopen)
    except Conflict as exc:  # done already (another moderator, another tab)
        raise redirect(request, back(request, QUEUE), flash=exc.message) from None
    message = "The report is open again." if reopen else "The report is resolved."
    raise redirect(request, back(request, QUEUE), flash=message)


@routes.post(r"/admin/accounts/{account_id}/{action:silence|suspend|unsilence|unsuspend}")
async def act(request: web.Request) -> web.StreamResponse:
    session = await moderator(request)
    svc, me = request.app[SERVICES], session.account
    account_id = path_id(request, "account_id", NO_ACCOUNT)
    action = request.match_info["action"]
    note = form_of(request).text("text")
    try:
        if action == "unsuspend":
            account = await account_moderation.unsuspend(svc, me, account_id)
        elif action == "unsilence":
            account = await account_moderation.unsilence(svc, me, account_id)
        else:
            account = await account_moderation.act(svc, me, account_id, action, text=note)
    except (Conflict, Forbidden) as exc:  # a moderator on an admin; done already
        raise redirect(request, back(request, QUEUE), flash=exc.message) from None
    name = account_moderation.handle(account, svc.config.domain)
    raise redirect(request, back(request, QUEUE), flash=DONE[action].format(name=name))


@routes.get("/admin/log")
async def log(request: web.Request) -> web.Response:
    await moderator(request)
    svc = request.app[SERVICES]
    found = await audit.entries(svc, limit=LOG_PER_PAGE, max_id=query_id(request))
    older = ""
    if len(found) == LOG_PER_PAGE:
        older = str(URL("/admin/log").with_query(max_id=str(found[-1].id)))
    return await page(request, "admin/log.html", tab="log", entries=found, older=older)
