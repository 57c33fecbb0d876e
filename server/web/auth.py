"""Signing in, signing out and signing up (as the instance's registration mode allows).

Signing in goes through ``services.signin`` (the throttle that also guards the
OAuth page: failures per username and per address), then starts a session
(``services.websessions``). Signing up goes through ``services.registrations``.
"""

from __future__ import annotations

import contextlib

from aiohttp import web

from server.appkeys import SERVICES
from server.services import registrations, signin, websessions
from server.services.errors import ServiceError
from server.services.registrations import SignUp
from server.services.signin import SignInThrottled
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, form_of
from server.web.session import clear_session_cookie, safe_next, set_session_cookie, viewer

routes = PageRoutes()


def _address(request: web.Request) -> str:
    return request.remote or ""


@routes.get("/signin")
async def signin_page(request: web.Request) -> web.Response:
    if await viewer(request) is not None:
        raise redirect(request, safe_next(request.query.get("next")))
    form = FormState.of({"next": safe_next(request.query.get("next"))})
    return await page(request, "auth/signin.html", form=form)


@routes.post("/signin")
async def signin_submit(request: web.Request) -> web.StreamResponse:
    submitted = form_of(request)
    form = FormState.of(submitted.fields)
    svc = request.app[SERVICES]
    username = submitted.text("username")
    try:
        member = await signin.sign_in(
            svc.db, svc.sign_ins, username, submitted.text("password"), address=_address(request)
        )
    except SignInThrottled as exc:
        form.refused(exc)
        response = await page(request, "auth/signin.html", form=form, http_status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if member is None:
        form.errors["password"] = "That username and password do not match"
        return await page(request, "auth/signin.html", form=form, http_status=401)
    token = await websessions.start(
        svc, member, user_agent=request.headers.get("User-Agent", ""), ip=_address(request)
    )
    response = redirect(request, safe_next(submitted.text("next")))
    set_session_cookie(request, response, token)
    raise response


@routes.post("/signout")
async def signout(request: web.Request) -> web.StreamResponse:
    session = await viewer(request)
    if session is not None:
        with contextlib.suppress(ServiceError):  # ended elsewhere meanwhile: signed out anyway
            await websessions.end(request.app[SERVICES], session.account, session.id)
    response = redirect(request, "/", flash="You are signed out. See you soon!")
    clear_session_cookie(request, response)
    raise response


async def _signup_page(
    request: web.Request, form: FormState, *, invite_ok: bool, http_status: int = 200
) -> web.Response:
    return await page(
        request, "auth/signup.html", form=form, invite_ok=invite_ok, http_status=http_status
    )


@routes.get("/signup")
async def signup_page(request: web.Request) -> web.Response:
    if await viewer(request) is not None:
        raise redirect(request, "/")
    code = request.query.get("invite", "")
    form = FormState.of({"invite": code})
    invite_ok = False
    if code:
        try:
            await registrations.find_invite(request.app[SERVICES], code)
            invite_ok = True
        except ServiceError as exc:
            form.refused(exc)
    return await _signup_page(request, form, invite_ok=invite_ok)


@routes.get("/invite/{code}")
async def invite_link(request: web.Request) -> web.Response:
    """Where invite links point: the sign-up page with the invite filled in."""
    raise web.HTTPSeeOther(f"/signup?invite={request.match_info['code']}")


@routes.post("/signup")
async def signup_submit(request: web.Request) -> web.StreamResponse:
    submitted = form_of(request)
    form = FormState.of(submitted.fields)
    svc = request.app[SERVICES]
    if submitted.text("password") != submitted.text("password_again"):
        form.errors["password_again"] = "The two passwords are not the same"
    if not submitted.flag("rules"):
        form.errors["rules"] = "Please read and accept the rules to join"
    if form.failed:
        return await _signup_page(
            request, form, invite_ok=bool(submitted.text("invite")), http_status=422
        )
    details = SignUp(
        username=submitted.text("username"),
        password=submitted.text("password"),
        display_name=submitted.text("display_name"),
        reason=submitted.text("reason"),
        invite_code=submitted.text("invite"),
        ip=_address(request),
    )
    try:
        outcome = await registrations.sign_up(svc, details)
    except ServiceError as exc:
        form.refused(exc)
        return await _signup_page(
            request, form, invite_ok=bool(details.invite_code), http_status=exc.status
        )
    if outcome.member is None:
        return await page(request, "auth/waiting.html", username=details.username.strip())
    token = await websessions.start(
        svc, outcome.member, user_agent=request.headers.get("User-Agent", ""), ip=_address(request)
    )
    response = redirect(
        request, "/profile/edit?welcome=1", flash="Welcome! Start with your profile."
    )
    set_session_cookie(request, response, token)
    raise response
