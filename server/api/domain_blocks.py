"""A member's own blocks of whole servers: Mastodon's ``/api/v1/domain_blocks``.

``GET`` lists the blocked domains (strings, newest first, paged with a Link
header), ``POST`` blocks ``domain``, ``DELETE`` unblocks it; both answer ``{}``
as Mastodon does. The rules are ``services/member_domain_blocks.py``.
"""

from __future__ import annotations

from aiohttp import web

from server.api import auth, params
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import member_domain_blocks

routes = web.RouteTableDef()


@routes.get("/api/v1/domain_blocks")
async def list_domain_blocks(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:blocks")
    svc = request.app[SERVICES]
    page = params.page(request.query, default=100, maximum=200)
    found = await member_domain_blocks.listed(svc, me.account, page)
    return paged(request, [domain for _, domain in found], [cursor for cursor, _ in found])


@routes.post("/api/v1/domain_blocks")
async def block_domain(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:blocks")
    svc = request.app[SERVICES]
    domain = params.text(await params.body(request), "domain")
    await member_domain_blocks.block(svc, me.account, domain)
    return ok({})


@routes.delete("/api/v1/domain_blocks")
async def unblock_domain(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:blocks")
    svc = request.app[SERVICES]
    domain = params.text(await params.body(request), "domain")
    await member_domain_blocks.unblock(svc, me.account, domain)
    return ok({})
