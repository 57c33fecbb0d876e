"""Reports: ``POST /api/v1/reports`` (a member reports an account and some of
its posts), and Mastodon's admin API for the moderators' queue
(``/api/v1/admin/reports``). The rules are ``services/reports``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.admin_accounts import admin_account, moderator
from server.api.entities import Presenter, date
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import reports
from server.services.errors import ValidationError
from server.store import accounts as accounts_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.reports import ReportRow

routes = web.RouteTableDef()
ADMIN = "/api/v1/admin/reports"
ID = r"{id:\d+}"


def report_entity(report: ReportRow, presenter: Presenter) -> dict[str, Any]:
    """Mastodon's Report, as the member who filed it sees it."""
    return {
        "id": str(report.id),
        "action_taken": report.resolved_at is not None,
        "action_taken_at": date(report.resolved_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": date(report.created_at),
        "status_ids": [str(i) for i in report.status_ids] or None,
        "rule_ids": None,
        "target_account": presenter.account(presenter.accounts[report.target_account_id]),
    }


@routes.post("/api/v1/reports")
async def create(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:reports")
    data = await params.body(request)
    target = params.identifier(data, "account_id")
    if target is None:
        raise ValidationError("account_id is required (an account id)", field="account_id")
    draft = reports.Draft(
        target_id=target,
        status_ids=tuple(params.id_list(data, "status_ids")),
        comment=params.text(data, "comment"),
        category=params.optional_text(data, "category") or "other",
        forward=params.boolean(data, "forward"),
    )
    svc = request.app[SERVICES]
    made = await reports.report(svc, me.account, draft)
    presenter = await Presenter(svc, me.account).load(account_ids=[made.target_account_id])
    return ok(report_entity(made, presenter))


async def _admin_report(request: web.Request, report: ReportRow) -> dict[str, Any]:
    """Mastodon's Admin::Report."""
    svc = request.app[SERVICES]
    wanted = [report.account_id, report.target_account_id]
    wanted += [report.resolved_by_id] if report.resolved_by_id else []
    async with svc.db.read() as conn:
        people = await accounts_q.get_accounts(conn, wanted)
        found = await statuses_q.get_statuses(conn, report.status_ids)
    presenter = await Presenter(svc, None).load(statuses=list(found.values()))

    async def person(account_id: int | None) -> dict[str, Any] | None:
        account: AccountRow | None = people.get(account_id) if account_id else None
        return await admin_account(request, account) if account else None

    return {
        "id": str(report.id),
        "action_taken": report.resolved_at is not None,
        "action_taken_at": date(report.resolved_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": date(report.created_at),
        "updated_at": date(report.updated_at),
        "account": await person(report.account_id),
        "target_account": await person(report.target_account_id),
        "assigned_account": None,
        "action_taken_by_account": await person(report.resolved_by_id),
        "statuses": [presenter.status(found[i]) for i in report.status_ids if i in found],
        "rules": [],
    }


@routes.get(ADMIN)
async def queue(request: web.Request) -> web.Response:
    me = await moderator(request, "admin:read:reports")
    page = params.page(request.query, default=100, maximum=200)
    target = params.identifier(request.query, "target_account_id")
    found = await reports.reports_for(
        request.app[SERVICES], me.account, resolved=params.boolean(request.query, "resolved"),
        limit=page.limit, max_id=page.max_id, target_account_id=target,
    )  # fmt: skip
    entities = [await _admin_report(request, r) for r in found]
    return paged(request, entities, [r.id for r in found])


@routes.get(f"{ADMIN}/{ID}")
async def one(request: web.Request) -> web.Response:
    me = await moderator(request, "admin:read:reports")
    found = await reports.get_report(request.app[SERVICES], me.account, params.path_id(request))
    return ok(await _admin_report(request, found))


@routes.post(f"{ADMIN}/{ID}/resolve")
async def resolve(request: web.Request) -> web.Response:
    me = await moderator(request, "admin:write:reports")
    svc = request.app[SERVICES]
    done = await reports.resolve(svc, me.account, params.path_id(request))
    return ok(await _admin_report(request, done))


@routes.post(f"{ADMIN}/{ID}/reopen")
async def reopen(request: web.Request) -> web.Response:
    me = await moderator(request, "admin:write:reports")
    svc = request.app[SERVICES]
    done = await reports.resolve(svc, me.account, params.path_id(request), reopen=True)
    return ok(await _admin_report(request, done))
