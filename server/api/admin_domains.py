"""Mastodon's admin API for domain blocks and domain allows (``/api/v1/admin/...``).

What Mastodon's own admin tools call: a token with the ``admin:read`` /
``admin:write`` scope (or the granular ``admin:*:domain_blocks`` and
``admin:*:domain_allows``) of a member whose role is admin. The rules (one
spelling per domain, severities, what suspending does) are the service's,
``services/domain_blocks``; here only parameters in and entities out. Lists are
newest first and paged on ids with a ``Link`` header, as Mastodon's are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, TypeVar

from aiohttp import web

from server.api import auth, params
from server.api.entities import date
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import domain_blocks, member_admin
from server.services.errors import Forbidden, ValidationError
from server.services.tokens import Authenticated
from server.services.websessions import ADMIN
from server.store.domains import DomainAllowRow, DomainBlockRow
from server.store.statuses import Page

routes = web.RouteTableDef()
BLOCKS = "/api/v1/admin/domain_blocks"
ALLOWS = "/api/v1/admin/domain_allows"
ID = r"{id:\d+}"
LIMIT, MAX_LIMIT = 100, 200  # Mastodon's for these lists
FLAGS = ("reject_media", "reject_reports", "obfuscate")
TEXTS = ("severity", "private_comment", "public_comment")

Row = TypeVar("Row", DomainBlockRow, DomainAllowRow)


async def _admin(request: web.Request, scope: str) -> Authenticated:
    """The caller: a token holding ``scope`` (403 otherwise, as every scope failure)
    of a member who is an admin (403 for anyone else)."""
    me = await auth.required(request, scope)
    found = await member_admin.member_row(request.app[SERVICES].db, me.account.username)
    if found.role != ADMIN:
        raise Forbidden("This action is not allowed")
    return me


def domain_block(row: DomainBlockRow) -> dict[str, Any]:
    """Mastodon's Admin::DomainBlock."""
    return {
        "id": str(row.id),
        "domain": row.domain,
        "digest": hashlib.sha256(row.domain.encode()).hexdigest(),
        "created_at": date(row.created_at),
        "severity": row.severity,
        "reject_media": row.reject_media,
        "reject_reports": row.reject_reports,
        "private_comment": row.private_comment,
        "public_comment": row.public_comment,
        "obfuscate": row.obfuscate,
    }


def domain_allow(row: DomainAllowRow) -> dict[str, Any]:
    """Mastodon's Admin::DomainAllow."""
    return {"id": str(row.id), "domain": row.domain, "created_at": date(row.created_at)}


def _page(rows: Sequence[Row], page: Page) -> list[Row]:
    """One page of a (short) list, newest first, by ``max_id``/``since_id``/``min_id``."""
    found = sorted(rows, key=lambda r: r.id, reverse=True)
    if page.max_id is not None:
        found = [r for r in found if r.id < page.max_id]
    if page.since_id is not None:
        found = [r for r in found if r.id > page.since_id]
    if page.min_id is not None:  # the oldest ones just after min_id
        return [r for r in found if r.id > page.min_id][-page.limit :]
    return found[: page.limit]


def _domain(data: params.Params) -> str:
    domain = params.optional_text(data, "domain")
    if domain is None or not domain.strip():
        raise ValidationError("domain is required", field="domain")
    return domain


def _flag(data: params.Params, name: str) -> bool | None:
    """A boolean parameter, or None when it was not given (left as it is)."""
    if data.get(name) is None and f"{name}[]" not in data:
        return None
    return params.boolean(data, name)


def _options(data: params.Params) -> dict[str, Any]:
    """The block's optional parameters that were given, for the service to check."""
    found: dict[str, Any] = {name: params.optional_text(data, name) for name in TEXTS}
    found.update({name: _flag(data, name) for name in FLAGS})
    return {name: value for name, value in found.items() if value is not None}


# --- domain blocks -------------------------------------------------------------------------


@routes.get(BLOCKS)
async def list_blocks(request: web.Request) -> web.Response:
    await _admin(request, "admin:read:domain_blocks")
    found = _page(
        await domain_blocks.list_blocks(request.app[SERVICES]),
        params.page(request.query, default=LIMIT, maximum=MAX_LIMIT),
    )
    return paged(request, [domain_block(b) for b in found], [b.id for b in found])


@routes.get(f"{BLOCKS}/{ID}")
async def get_block(request: web.Request) -> web.Response:
    await _admin(request, "admin:read:domain_blocks")
    svc = request.app[SERVICES]
    return ok(domain_block(await domain_blocks.get_block(svc, params.path_id(request))))


@routes.post(BLOCKS)
async def create_block(request: web.Request) -> web.Response:
    me = await _admin(request, "admin:write:domain_blocks")
    data = await params.body(request)
    svc = request.app[SERVICES]
    block = await domain_blocks.block(svc, _domain(data), by=me.account, **_options(data))
    return ok(domain_block(block))


@routes.put(f"{BLOCKS}/{ID}")
async def update_block(request: web.Request) -> web.Response:
    me = await _admin(request, "admin:write:domain_blocks")
    block_id = params.path_id(request)
    data = await params.body(request)
    svc = request.app[SERVICES]
    block = await domain_blocks.update_block(svc, block_id, by=me.account, **_options(data))
    return ok(domain_block(block))


@routes.delete(f"{BLOCKS}/{ID}")
async def delete_block(request: web.Request) -> web.Response:
    me = await _admin(request, "admin:write:domain_blocks")
    await domain_blocks.unblock(request.app[SERVICES], params.path_id(request), by=me.account)
    return ok({})


# --- domain allows -------------------------------------------------------------------------


@routes.get(ALLOWS)
async def list_allows(request: web.Request) -> web.Response:
    await _admin(request, "admin:read:domain_allows")
    found = _page(
        await domain_blocks.list_allows(request.app[SERVICES]),
        params.page(request.query, default=LIMIT, maximum=MAX_LIMIT),
    )
    return paged(request, [domain_allow(a) for a in found], [a.id for a in found])


@routes.get(f"{ALLOWS}/{ID}")
async def get_allow(request: web.Request) -> web.Response:
    await _admin(request, "admin:read:domain_allows")
    svc = request.app[SERVICES]
    return ok(domain_allow(await domain_blocks.get_allow(svc, params.path_id(request))))


@routes.post(ALLOWS)
async def create_allow(request: web.Request) -> web.Response:
    me = await _admin(request, "admin:write:domain_allows")
    data = await params.body(request)
    allowed = await domain_blocks.allow(request.app[SERVICES], _domain(data), by=me.account)
    return ok(domain_allow(allowed))


@routes.delete(f"{ALLOWS}/{ID}")
async def delete_allow(request: web.Request) -> web.Response:
    me = await _admin(request, "admin:write:domain_allows")
    await domain_blocks.disallow(request.app[SERVICES], params.path_id(request), by=me.account)
    return ok({})
