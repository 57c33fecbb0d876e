"""Settings, "Delete account": a member deletes their own account, with their
password and their username typed out (``member_admin.delete_own_account``:
other servers are sent a ``Delete`` of the actor, the handle stays taken)."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import member_admin
from server.services.errors import ServiceError
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, form_of
from server.web.session import clear_session_cookie, member

routes = PageRoutes()


@routes.get("/settings/delete")
async def delete_page(request: web.Request) -> web.Response:
    await member(request)
    return await page(request, "settings/delete.html", tab="delete", form=FormState())


@routes.post("/settings/delete")
async def delete_account(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    form = FormState.of({"confirm": submitted.text("confirm")})  # never the password
    try:
        await member_admin.delete_own_account(
            request.app[SERVICES], session.account,
            password=submitted.text("password"), confirm=submitted.text("confirm"),
        )  # fmt: skip
    except ServiceError as exc:
        return await page(
            request, "settings/delete.html", tab="delete", form=form.refused(exc),
            http_status=exc.status,
        )  # fmt: skip
    response = redirect(request, "/", flash="Your account is deleted. Thank you for being here.")
    clear_session_cookie(request, response)
    raise response
