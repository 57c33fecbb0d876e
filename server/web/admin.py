"""Administration (admins only): an overview, how people join (the registration
mode), the instance's description and rules, invites, and sign-ups waiting for
approval. Members are in ``admin_members.py``.

Every handler starts with ``session.admin(request)``: a visitor is sent to sign
in, a member who is not an admin gets a 403 page that says why. The rules live
in the services (``site``, ``registrations``); a handler reads the form, calls
them, and shows the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from babel.dates import format_date

from server.appkeys import SERVICES
from server.services import registrations, site
from server.services.errors import NotFound, ServiceError, ValidationError
from server.store import accounts as accounts_q
from server.store.accounts import AccountRow
from server.store.registrations import InviteRow
from server.web.forms import FormState
from server.web.responses import fragment, page, redirect
from server.web.routing import Form, PageRoutes, form_of, is_htmx, path_id
from server.web.session import admin
from server.web.templating import LOCALE

routes = PageRoutes()


@dataclass(frozen=True, slots=True)
class InviteView:
    invite: InviteRow
    link: str
    creator: AccountRow | None
    expires: str  # the day it expires, "" for never


EXPIRY_CHOICES = ("1", "7", "30", "90", "")  # days; "" never


# Overview


@routes.get("/admin")
async def overview(request: web.Request) -> web.Response:
    await admin(request)
    svc = request.app[SERVICES]
    async with svc.db.read() as conn:
        member_count = await accounts_q.count_local_members(conn)
    return await page(
        request,
        "admin/overview.html",
        tab="overview",
        member_count=member_count,
        waiting=await registrations.count_waiting(svc),
        invite_count=await registrations.count_usable_invites(svc),
    )


# How people join: the registration mode


@routes.get("/admin/joining")
async def joining_page(request: web.Request) -> web.Response:
    await admin(request)
    current = await request.app[SERVICES].site.get()
    form = FormState.of({"registrations": current.registrations})
    return await page(request, "admin/joining.html", tab="joining", form=form)


@routes.post("/admin/joining")
async def joining_save(request: web.Request) -> web.StreamResponse:
    await admin(request)
    svc, submitted = request.app[SERVICES], form_of(request)
    current = await svc.site.get()
    try:
        values = site.check_changes(
            registrations=submitted.text("registrations"),
            description=current.description,
            rules=list(current.rules),
        )
    except ValidationError as exc:
        form = FormState.of(submitted.fields).refused(exc)
        return await page(
            request, "admin/joining.html", tab="joining", form=form, http_status=exc.status
        )
    await svc.site.change(svc.now(), registrations=values["registrations"])
    if is_htmx(request):
        form = FormState.of({"registrations": values["registrations"]})
        return await fragment(request, "admin/parts/joining_form.html", form=form, saved=True)
    raise redirect(request, "/admin/joining", flash="How people join is saved.")


# Description and rules


@routes.get("/admin/about")
async def about_page(request: web.Request) -> web.Response:
    await admin(request)
    current = await request.app[SERVICES].site.get()
    form = FormState.of({"description": current.description, "rules": "\n".join(current.rules)})
    return await page(request, "admin/about.html", tab="about", form=form, limits=_limits())


def _limits() -> dict[str, int]:
    return {"description": site.DESCRIPTION_MAX, "rules": site.RULES_MAX, "rule": site.RULE_MAX}


@routes.post("/admin/about")
async def about_save(request: web.Request) -> web.StreamResponse:
    await admin(request)
    svc, submitted = request.app[SERVICES], form_of(request)
    current = await svc.site.get()
    try:
        values = site.check_changes(
            registrations=current.registrations,
            description=submitted.text("description"),
            rules=submitted.text("rules").replace("\r\n", "\n").split("\n"),
        )
    except ValidationError as exc:
        form = FormState.of(submitted.fields).refused(exc)
        return await page(
            request, "admin/about.html", tab="about", form=form, limits=_limits(),
            http_status=exc.status,
        )  # fmt: skip
    await svc.site.change(svc.now(), description=values["description"], rules=values["rules"])
    raise redirect(request, "/admin/about", flash="The description and rules are saved.")


# Invites


async def _invites_page(
    request: web.Request, form: FormState, http_status: int = 200
) -> web.Response:
    svc = request.app[SERVICES]
    invites = await registrations.usable_invites(svc)
    async with svc.db.read() as conn:
        creators = await accounts_q.get_accounts(
            conn, [i.created_by_id for i in invites if i.created_by_id]
        )
    shown = [
        InviteView(
            i,
            registrations.invite_url(svc, i),
            creators.get(i.created_by_id or 0),
            format_date(i.expires_at, "d MMMM y", locale=LOCALE) if i.expires_at else "",
        )
        for i in invites
    ]
    return await page(
        request, "admin/invites.html", tab="invites", form=form, invites=shown,
        expiry_choices=EXPIRY_CHOICES, http_status=http_status,
    )  # fmt: skip


@routes.get("/admin/invites")
async def invites_page(request: web.Request) -> web.Response:
    await admin(request)
    return await _invites_page(request, FormState.of({"max_uses": "", "expires_in_days": "7"}))


def _whole_number(form: Form, name: str, label: str) -> int | None:
    text = form.text(name).strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise ValidationError(f"{label} must be a whole number", field=name)
    return int(text)


@routes.post("/admin/invites")
async def invite_create(request: web.Request) -> web.StreamResponse:
    session = await admin(request)
    svc, submitted = request.app[SERVICES], form_of(request)
    try:
        invite = await registrations.create_invite(
            svc,
            session.account,
            max_uses=_whole_number(submitted, "max_uses", "The number of uses"),
            expires_in_days=_whole_number(submitted, "expires_in_days", "The expiry"),
        )
    except ServiceError as exc:
        return await _invites_page(request, FormState.of(submitted.fields).refused(exc), exc.status)
    link = registrations.invite_url(svc, invite)
    raise redirect(request, "/admin/invites", flash=f"New invite link: {link}")


@routes.post(r"/admin/invites/{invite_id}/revoke")
async def invite_revoke(request: web.Request) -> web.StreamResponse:
    await admin(request)
    try:
        await registrations.revoke_invite(request.app[SERVICES], path_id(request, "invite_id"))
    except NotFound:
        if not is_htmx(request):
            raise
    if is_htmx(request):
        return web.Response(text="", content_type="text/html")
    raise redirect(request, "/admin/invites", flash="The invite link no longer works.")


# Sign-ups waiting for approval


@routes.get("/admin/signups")
async def signups_page(request: web.Request) -> web.Response:
    await admin(request)
    waiting = await registrations.waiting(request.app[SERVICES])
    return await page(request, "admin/signups.html", tab="signups", signups=waiting)


@routes.post(r"/admin/signups/{signup_id}/{action:approve|reject}")
async def signup_decide(request: web.Request) -> web.StreamResponse:
    await admin(request)
    svc, signup_id = request.app[SERVICES], path_id(request, "signup_id")
    if request.match_info["action"] == "approve":
        member = await registrations.approve(svc, signup_id)
        done, message = "approved", f"@{member.username} is now a member and can sign in."
        username = member.username
    else:
        await registrations.reject(svc, signup_id)
        done, message, username = "rejected", "The sign-up was rejected.", ""
    if is_htmx(request):
        return await fragment(
            request, "admin/parts/signup_done.html", done=done, username=username,
            signup_id=signup_id,
        )  # fmt: skip
    raise redirect(request, "/admin/signups", flash=message)
