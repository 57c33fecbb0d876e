"""Settings, "Import and export": the servers a member blocks (Mastodon's domain
blocks, ``services/member_domain_blocks.py``), listed on the import page
(``settings/parts/domain_blocks.html``) with a form to block one and a button
to unblock each; their CSV file is exported and imported there too."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import member_domain_blocks
from server.services.errors import ServiceError
from server.web.responses import redirect
from server.web.routing import PageRoutes, form_of
from server.web.session import member

routes = PageRoutes()
SECTION = "/settings/import#blocked-servers"


@routes.post("/settings/domain_blocks")
async def block_server(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    try:
        domain = await member_domain_blocks.block(
            request.app[SERVICES], session.account, submitted.text("domain")
        )
    except ServiceError as exc:
        raise redirect(request, SECTION, flash=f"Not blocked: {exc.message}") from None
    raise redirect(
        request,
        SECTION,
        flash=f"{domain} is blocked: you will not see posts or notifications from it.",
    )


@routes.post("/settings/domain_blocks/remove")
async def unblock_server(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    try:
        domain = await member_domain_blocks.unblock(
            request.app[SERVICES], session.account, submitted.text("domain")
        )
    except ServiceError as exc:
        raise redirect(request, SECTION, flash=f"Not unblocked: {exc.message}") from None
    raise redirect(request, SECTION, flash=f"{domain} is no longer blocked.")
