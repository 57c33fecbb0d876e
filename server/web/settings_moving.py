"""Settings, "Moving": a member's other accounts (aliases, for moving one here)
and moving this account to another server, and bringing an old account's
connections here; the same services as ``/api/v1/warmline/account/aliases``,
``.../aliases/carry`` and ``.../move`` (``services/moves.py``)."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import moves, objects
from server.services.errors import ServiceError
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, form_of
from server.web.session import member

routes = PageRoutes()
TEMPLATE = "settings/moving.html"


async def _page(
    request: web.Request,
    *,
    alias_form: FormState | None = None,
    move_form: FormState | None = None,
    status: int = 200,
) -> web.Response:
    session = await member(request)
    svc = request.app[SERVICES]
    moved = await moves.moved_to(svc, session.account)
    return await page(
        request,
        TEMPLATE,
        tab="moving",
        aliases=await moves.aliases(svc, session.account),
        moved_to=objects.acct(svc, moved) if moved else None,
        handle=f"{session.account.username}@{svc.config.domain}",
        alias_form=alias_form or FormState(),
        move_form=move_form or FormState(),
        http_status=status,
    )


@routes.get("/settings/moving")
async def moving_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post("/settings/moving/aliases")
async def add_alias(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    form = FormState.of({"acct": submitted.text("acct")})
    try:
        await moves.add_alias(request.app[SERVICES], session.account, submitted.text("acct"))
    except ServiceError as exc:
        return await _page(request, alias_form=form.refused(exc), status=exc.status)
    raise redirect(request, "/settings/moving", flash="The account is named as yours.")


@routes.post("/settings/moving/aliases/remove")
async def remove_alias(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    try:
        await moves.remove_alias(
            request.app[SERVICES], session.account, form_of(request).text("uri")
        )
    except ServiceError as exc:
        return await _page(request, alias_form=FormState().refused(exc), status=exc.status)
    raise redirect(request, "/settings/moving", flash="The account is no longer named as yours.")


@routes.post("/settings/moving/carry")
async def carry(request: web.Request) -> web.StreamResponse:
    """Bring my connections from an alias that moved here (``moves.carry_from``)."""
    session = await member(request)
    try:
        done = await moves.carry_from(
            request.app[SERVICES], session.account, form_of(request).text("uri")
        )
    except ServiceError as exc:
        return await _page(request, alias_form=FormState().refused(exc), status=exc.status)
    said = (
        f"Asked {done.asked} of your connections elsewhere to connect with this account; "
        f"{done.connected} here are connected already."
    )
    raise redirect(request, "/settings/moving", flash=said)


@routes.post("/settings/moving/move")
async def move(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    form = FormState.of({"target": submitted.text("target")})  # never the password
    try:
        target = await moves.move(
            request.app[SERVICES], session.account, submitted.text("target"),
            submitted.text("password"),
        )  # fmt: skip
    except ServiceError as exc:
        return await _page(request, move_form=form.refused(exc), status=exc.status)
    acct = objects.acct(request.app[SERVICES], target)
    raise redirect(request, "/settings/moving", flash=f"Your account has moved to {acct}.")
