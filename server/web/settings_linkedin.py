"""Settings, "LinkedIn import": upload an export (preview, then import), see
which LinkedIn connections are members here (one-step Connect), choose which
imported recommendations the profile shows, invite the others by email
(``services.linkedin_invites``), and publish one's LinkedIn address.
The same services as ``/api/v1/warmline/import/linkedin`` (``services.linkedin_import``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.appkeys import SERVICES
from server.services import linkedin_contacts as contacts_service
from server.services.errors import ServiceError
from server.services.linkedin_import import UPLOAD_MAX, ImportReport, import_export
from server.services.linkedin_invites import invite_mailto, invite_policy
from server.services.linkedin_report import sentences
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, form_of, path_id
from server.web.session import member
from server.web.views import person

routes = PageRoutes()
TEMPLATE = "settings/linkedin.html"
PATH = "/settings/linkedin"
MATCHED_SHOWN = 200
OTHERS_SHOWN = 50  # unmatched contacts a page lists (``?others=OFFSET`` for more)


async def _page(
    request: web.Request,
    *,
    report: ImportReport | None = None,
    import_form: FormState | None = None,
    link_form: FormState | None = None,
    status: int = 200,
) -> web.Response:
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    found = await contacts_service.contacts(svc, me, matched_only=True, limit=MATCHED_SHOWN)
    link = await contacts_service.get_link(svc, me)
    matched = [(row, person(svc, found.accounts[row.matched_account_id])) for row in found.contacts
               if row.matched_account_id in found.accounts]  # fmt: skip
    offset = _offset(request)
    others, unmatched = await contacts_service.unmatched_contacts(
        svc, me, limit=OTHERS_SHOWN, offset=offset
    )
    policy = await invite_policy(svc)
    context: dict[str, Any] = {
        "tab": "linkedin",
        "report": report,
        "report_lines": sentences(report) if report else [],
        "matched": matched,
        "unmatched": unmatched,
        "invite_policy": policy,
        "others": [(row, invite_mailto(svc, me, row, policy)) for row in others],
        "others_newer": max(0, offset - OTHERS_SHOWN) if offset else None,
        "others_older": offset + OTHERS_SHOWN if offset + OTHERS_SHOWN < unmatched else None,
        "total": found.total,
        "recommendations": await contacts_service.recommendations(svc, me),
        "import_form": import_form or FormState(),
        "link_form": link_form
        or FormState.of({"url": link.url or "", "findable": "1" if link.findable else ""}),
        "max_megabytes": UPLOAD_MAX // 1_048_576,
    }
    return await page(request, TEMPLATE, http_status=status, **context)


def _offset(request: web.Request) -> int:
    text = request.query.get("others", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 7 else 0


@routes.get(PATH)
async def linkedin_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.get(f"{PATH}/contacts.csv")
async def contacts_download(request: web.Request) -> web.Response:
    session = await member(request)
    text = await contacts_service.contacts_csv(request.app[SERVICES], session.account)
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="linkedin-contacts.csv"'},
    )


@routes.post(f"{PATH}/import", files=("file",), max_file_bytes=UPLOAD_MAX)
async def import_upload(request: web.Request) -> web.Response:
    session = await member(request)
    form = form_of(request)
    state = FormState.of({"replace": "1" if form.flag("replace") else ""})
    if "file" in form.file_errors:
        error = ServiceError(form.file_errors["file"])
        return await _page(request, import_form=state.refused(error, {}), status=413)
    data = form.files.get("file")
    if not data:
        error = ServiceError("Choose the .zip file LinkedIn sent you.")
        return await _page(request, import_form=state.refused(error, {}), status=422)
    try:
        report = await import_export(
            request.app[SERVICES],
            session.account,
            data,
            dry_run=form.text("action") != "import",
            replace=form.flag("replace"),
        )
    except ServiceError as exc:
        return await _page(request, import_form=state.refused(exc, {}), status=exc.status)
    return await _page(request, report=report, import_form=state)


@routes.post(f"{PATH}/link")
async def save_link(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    form = form_of(request)
    try:
        await contacts_service.set_link(
            request.app[SERVICES], session.account, form.text("url"), form.flag("findable")
        )
    except ServiceError as exc:
        state = FormState.of(form.fields).refused(exc, {})
        return await _page(request, link_form=state, status=exc.status)
    raise redirect(request, PATH, flash="Your LinkedIn address is saved.")


@routes.post(PATH + r"/recommendations/{id:\d+}")
async def show_recommendation(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    shown = form_of(request).flag("shown")
    rec_id = path_id(request, "id", "No such recommendation")
    await contacts_service.show_recommendation(
        request.app[SERVICES], session.account, rec_id, shown
    )
    flash = "It is shown on your profile." if shown else "It is no longer shown on your profile."
    raise redirect(request, PATH, flash=flash)
