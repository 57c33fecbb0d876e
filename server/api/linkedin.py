"""Importing a LinkedIn data export, its contacts and recommendations, and
publishing one's own LinkedIn address: ``/api/v1/warmline/import/linkedin``
and ``/api/v1/warmline/profile/linkedin``. The work is in
``services.linkedin_import`` and ``services.linkedin_contacts``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter
from server.api.responses import ok
from server.api.uploads import read_form
from server.appkeys import SERVICES
from server.services import linkedin_contacts as contacts_service
from server.services.errors import ValidationError
from server.services.linkedin_import import UPLOAD_MAX, import_export
from server.services.linkedin_invites import invite_mailto, invite_policy
from server.store.linkedin import ImportedRecommendation

routes = web.RouteTableDef()
BASE = "/api/v1/warmline/import/linkedin"


@routes.post(BASE)
async def import_linkedin(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    if request.content_type != "multipart/form-data":
        raise ValidationError("send the export as multipart/form-data, in the field file")
    form, files = await read_form(request, files=("file",), max_file_bytes=UPLOAD_MAX)
    if "file" not in files:
        raise ValidationError("file is missing: attach the .zip LinkedIn sent", field="file")
    report = await import_export(
        request.app[SERVICES],
        me.account,
        files["file"],
        dry_run=params.boolean(form, "dry_run"),
        replace=params.boolean(form, "replace"),
    )
    return ok(report.as_dict())


@routes.get(f"{BASE}/contacts")
async def list_contacts(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:accounts")
    svc = request.app[SERVICES]
    query = request.query
    found = await contacts_service.contacts(
        svc,
        me.account,
        matched_only=params.boolean(query, "matched"),
        limit=params.limit(query, default=100, maximum=contacts_service.CONTACTS_PAGE_MAX),
        offset=params.integer(query, "offset", 0) or 0,
    )
    presenter = await Presenter(svc, me.account).load(account_ids=list(found.accounts))
    policy = await invite_policy(svc)
    entries = []
    for row in found.contacts:
        matched = found.accounts.get(row.matched_account_id or 0)
        entries.append(
            {
                "id": str(row.id),
                "first_name": row.first_name,
                "last_name": row.last_name,
                "url": f"https://www.{row.url_key}" if row.url_key else None,
                "email": row.email,
                "company": row.company,
                "position": row.position,
                "connected_on": row.connected_on,
                "account": presenter.account(matched) if matched else None,
                "invite_url": None if matched else invite_mailto(svc, me.account, row, policy),
            }
        )
    return ok(entries, headers={"X-Total-Count": str(found.total)})


def recommendation(rec: ImportedRecommendation) -> dict[str, Any]:
    return {
        "id": str(rec.id),
        "author": rec.author,
        "author_title": rec.author_title,
        "text": rec.text,
        "written_on": rec.written_on,
        "shown": rec.shown,
        "source": "linkedin",
    }


@routes.get(f"{BASE}/recommendations")
async def list_recommendations(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:accounts")
    found = await contacts_service.recommendations(request.app[SERVICES], me.account)
    return ok([recommendation(r) for r in found])


@routes.post(BASE + r"/recommendations/{id:\d+}/{action:show|hide}")
async def show_recommendation(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    svc = request.app[SERVICES]
    rec_id = params.path_id(request)
    shown = request.match_info["action"] == "show"
    await contacts_service.show_recommendation(svc, me.account, rec_id, shown)
    found = await contacts_service.recommendations(svc, me.account)
    return ok(next(recommendation(r) for r in found if r.id == rec_id))


def _link(link: contacts_service.LinkedInLink) -> dict[str, Any]:
    return {"url": link.url, "findable": link.findable}


@routes.get("/api/v1/warmline/profile/linkedin")
async def get_link(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:accounts")
    return ok(_link(await contacts_service.get_link(request.app[SERVICES], me.account)))


@routes.put("/api/v1/warmline/profile/linkedin")
async def put_link(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    body = await params.body(request)
    url = params.text(body, "url")
    findable = params.boolean(body, "findable")
    link = await contacts_service.set_link(request.app[SERVICES], me.account, url, findable)
    return ok(_link(link))
