"""A member's settings: privacy, browser sessions, authorised apps, password.

Each page is a tab of one frame (``settings/base.html``). Privacy goes through
``actors.change_profile`` (followers get the ``Update``), sessions through
``websessions``, apps through ``app_access``, the password through
``credentials``: the same services the client API would use.
"""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import actors, app_access, credentials, websessions
from server.services.errors import NotFound, ServiceError
from server.services.members import ProfileChanges
from server.services.signin import SignInThrottled
from server.store.accounts import AccountRow
from server.web.forms import FormState
from server.web.responses import fragment, page, redirect
from server.web.routing import PageRoutes, form_of, is_htmx, path_id
from server.web.session import clear_session_cookie, member
from server.web.useragent import describe

routes = PageRoutes()

PRIVACY_FLAGS = ("locked", "accepts_introductions", "discoverable")
# The service names fields as the API does; the form's names are plainer.
PRIVACY_FIELDS = {
    "warmline.connections_visibility": "connections_visibility",
    "warmline.accepts_introductions": "accepts_introductions",
}


# Privacy


def _privacy_form(account: AccountRow) -> FormState:
    values = {name: "1" if getattr(account, name) else "" for name in PRIVACY_FLAGS}
    return FormState.of({**values, "connections_visibility": account.connections_visibility})


@routes.get("/settings")
async def privacy_page(request: web.Request) -> web.Response:
    session = await member(request)
    return await page(
        request, "settings/privacy.html", tab="privacy", form=_privacy_form(session.account)
    )


@routes.post("/settings")
async def privacy_save(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    changes = ProfileChanges(
        connections_visibility=submitted.text("connections_visibility"),
        **{name: submitted.flag(name) for name in PRIVACY_FLAGS},  # type: ignore[arg-type]
    )
    try:
        account = await actors.change_profile(
            request.app[SERVICES], session.account.username, changes
        )
    except ServiceError as exc:
        form = FormState.of(submitted.fields).refused(exc, PRIVACY_FIELDS)
        return await page(
            request, "settings/privacy.html", tab="privacy", form=form, http_status=exc.status
        )
    if is_htmx(request):
        return await fragment(
            request, "settings/parts/privacy_form.html", form=_privacy_form(account), saved=True
        )
    raise redirect(request, "/settings", flash="Your privacy settings are saved.")


# Sessions


@routes.get("/settings/sessions")
async def sessions_page(request: web.Request) -> web.Response:
    await member(request)
    return await page(request, "settings/sessions.html", tab="sessions", **await _sessions(request))


async def _sessions(request: web.Request) -> dict[str, object]:
    session = await member(request)
    rows = await websessions.listed(request.app[SERVICES], session.account)
    shown = [(row, describe(row.user_agent)) for row in rows]
    shown.sort(key=lambda item: item[0].id != session.id)  # this browser first
    return {"sessions": shown, "current_id": session.id}


@routes.post(r"/settings/sessions/{session_id}/end")
async def end_session(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    ending = path_id(request, "session_id")
    svc = request.app[SERVICES]
    try:
        await websessions.end(svc, session.account, ending)
    except NotFound:
        if not is_htmx(request):
            raise
    if ending == session.id:  # ending this browser's session is signing out
        response = redirect(request, "/signin", flash="This browser is signed out.")
        clear_session_cookie(request, response)
        raise response
    if is_htmx(request):
        return web.Response(text="", content_type="text/html")
    raise redirect(request, "/settings/sessions", flash="That session has ended.")


@routes.post("/settings/sessions/end-others")
async def end_other_sessions(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    ended = await websessions.end_all(request.app[SERVICES], session.account, keep=session.id)
    if is_htmx(request):
        return await fragment(
            request, "settings/parts/sessions_list.html", ended=ended, **await _sessions(request)
        )
    message = "Every other session has ended." if ended else "No other session was open."
    raise redirect(request, "/settings/sessions", flash=message)


# Authorised apps


@routes.get("/settings/apps")
async def apps_page(request: web.Request) -> web.Response:
    session = await member(request)
    apps = await app_access.listed(request.app[SERVICES].db, session.account)
    return await page(request, "settings/apps.html", tab="apps", apps=apps)


@routes.post(r"/settings/apps/{app_id:\d+|cli}/revoke")
async def revoke_app(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    raw = request.match_info["app_id"]
    app_id = None if raw == "cli" else path_id(request, "app_id")
    try:
        await app_access.revoke(request.app[SERVICES].db, session.account, app_id)
    except NotFound:
        if not is_htmx(request):
            raise
    if is_htmx(request):
        return web.Response(text="", content_type="text/html")
    raise redirect(request, "/settings/apps", flash="The app no longer has access to your account.")


# Password


@routes.get("/settings/password")
async def password_page(request: web.Request) -> web.Response:
    await member(request)
    return await page(request, "settings/password.html", tab="password", form=FormState())


@routes.post("/settings/password")
async def password_change(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    # Passwords are never sent back into the page; the checkbox is.
    form = FormState.of({"revoke_tokens": submitted.text("revoke_tokens")})
    if submitted.text("new_password") != submitted.text("new_password_again"):
        form.errors["new_password_again"] = "The two new passwords are not the same"
        return await _password_refused(request, form, 422)
    try:
        changed = await credentials.change_password(
            request.app[SERVICES],
            session.account,
            current=submitted.text("current_password"),
            new=submitted.text("new_password"),
            address=request.remote or "",
            keep_session=session.id,
            revoke_tokens=submitted.flag("revoke_tokens"),
        )
    except SignInThrottled as exc:
        response = await _password_refused(request, form.refused(exc), exc.status)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except ServiceError as exc:
        return await _password_refused(request, form.refused(exc), exc.status)
    message = "Your password is changed."
    if changed.sessions_ended:
        message += " Your other sessions have ended."
    if changed.tokens_revoked:
        message += " Apps must sign in again."
    raise redirect(request, "/settings/password", flash=message)


async def _password_refused(request: web.Request, form: FormState, status: int) -> web.Response:
    return await page(
        request, "settings/password.html", tab="password", form=form, http_status=status
    )
