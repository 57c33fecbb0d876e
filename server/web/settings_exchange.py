"""Settings, "Import and export": a member's follows, followers, blocks, mutes and
bookmarks as Mastodon's CSV files (``services/csv_exchange.py``), and importing
such files (``services/csv_import.py``); the API's ``/api/v1/warmline/export``
gives the same files."""

from __future__ import annotations

from aiohttp import web

from server.api.exports import csv_response
from server.appkeys import SERVICES
from server.services import csv_exchange, csv_import, member_domain_blocks
from server.services.csv_import import ImportReport
from server.services.errors import ServiceError, ValidationError
from server.web.forms import FormState
from server.web.responses import page
from server.web.routing import Form, PageRoutes, form_of
from server.web.session import member

routes = PageRoutes()
TEMPLATE = "settings/import.html"
KINDS = "|".join(csv_exchange.EXPORTS)
SKIPPED_SHOWN = 50


async def _page(
    request: web.Request,
    *,
    form: FormState | None = None,
    report: ImportReport | None = None,
    status: int = 200,
) -> web.Response:
    session = await member(request)
    blocked_servers = await member_domain_blocks.all_domains(request.app[SERVICES], session.account)
    return await page(
        request,
        TEMPLATE,
        tab="exchange",
        form=form or FormState.of({"type": "following", "mode": "merge"}),
        report=report,
        exports=csv_exchange.EXPORTS,
        max_rows=csv_exchange.MAX_ROWS,
        max_mb=csv_exchange.MAX_BYTES // 1_048_576,
        max_remote=csv_import.MAX_REMOTE,
        skipped_shown=SKIPPED_SHOWN,
        blocked_servers=blocked_servers,
        http_status=status,
    )


@routes.get("/settings/import")
async def exchange_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.get(f"/settings/export/{{kind:{KINDS}}}.csv")
async def export(request: web.Request) -> web.Response:
    session = await member(request)
    svc = request.app[SERVICES]
    kind = request.match_info["kind"]
    text = await csv_exchange.export_csv(svc, session.account, kind)
    return csv_response(svc.config.domain, kind, text)


def _uploaded(form: Form) -> bytes:
    """The uploaded file (reading the form; what it holds is the service's to judge)."""
    if "file" in form.file_errors:
        raise ValidationError(form.file_errors["file"], field="file")
    data = form.files.get("file")
    if not data:
        raise ValidationError("Choose a CSV file to import", field="file")
    return data


@routes.post("/settings/import", files=("file",))
async def import_file(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    form = FormState.of({"type": submitted.text("type"), "mode": submitted.text("mode")})
    try:
        report = await csv_import.import_csv(
            request.app[SERVICES],
            session.account,
            submitted.text("type"),
            submitted.text("mode") or "merge",
            _uploaded(submitted),
        )
    except ServiceError as exc:
        return await _page(request, form=form.refused(exc), status=exc.status)
    return await _page(request, form=form, report=report)
