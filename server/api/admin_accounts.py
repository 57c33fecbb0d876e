"""Mastodon's admin API for moderating one account (``/api/v1/admin/accounts``).

What Mastodon's own moderation tools call: a token with ``admin:read`` /
``admin:write`` (or the granular ``admin:*:accounts``) of a moderator or an
admin. The rules are the service's, ``services/account_moderation``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter, date
from server.api.responses import ok
from server.appkeys import SERVICES
from server.services import account_moderation, member_admin
from server.services.tokens import Authenticated
from server.store.accounts import AccountRow

routes = web.RouteTableDef()
ACCOUNT = r"/api/v1/admin/accounts/{id:\d+}"


async def moderator(request: web.Request, scope: str) -> Authenticated:
    """A token holding ``scope`` of a moderator or an admin (403 for anyone else)."""
    me = await auth.required(request, scope)
    await account_moderation.moderator_role(request.app[SERVICES], me.account)
    return me


async def admin_account(request: web.Request, account: AccountRow) -> dict[str, Any]:
    """Mastodon's Admin::Account (no e-mail, addresses or invite requests: Warmline
    keeps none of them for this)."""
    svc = request.app[SERVICES]
    presenter = await Presenter(svc, None).load(account_ids=[account.id])
    role = None
    if account.is_local:
        role = (await member_admin.member_row(svc.db, account.username)).role
    return {
        "id": str(account.id),
        "username": account.username,
        "domain": account.domain,
        "created_at": date(account.created_at),
        "email": None,
        "ip": None,
        "ips": [],
        "locale": None,
        "invite_request": None,
        "role": {"id": role, "name": role, "permissions": "0", "color": "", "highlighted": False}
        if role
        else None,
        "confirmed": account.is_local,
        "approved": account.is_local,
        "disabled": False,
        "silenced": account.silenced_at is not None,
        "suspended": account.suspended_at is not None,
        "sensitized": False,
        "account": presenter.account(account),
    }


@routes.get(ACCOUNT)
async def get_account(request: web.Request) -> web.Response:
    await moderator(request, "admin:read:accounts")
    account = await account_moderation.target(request.app[SERVICES], params.path_id(request))
    return ok(await admin_account(request, account))


@routes.post(f"{ACCOUNT}/action")
async def action(request: web.Request) -> web.Response:
    me = await moderator(request, "admin:write:accounts")
    data = await params.body(request)
    kind = params.optional_text(data, "type") or "none"
    text = params.optional_text(data, "text") or ""
    svc = request.app[SERVICES]
    await account_moderation.act(svc, me.account, params.path_id(request), kind, text=text)
    return ok({})


@routes.post(f"{ACCOUNT}/unsuspend")
async def unsuspend(request: web.Request) -> web.Response:
    me = await moderator(request, "admin:write:accounts")
    svc = request.app[SERVICES]
    account = await account_moderation.unsuspend(svc, me.account, params.path_id(request))
    return ok(await admin_account(request, account))


@routes.post(f"{ACCOUNT}/unsilence")
async def unsilence(request: web.Request) -> web.Response:
    me = await moderator(request, "admin:write:accounts")
    svc = request.app[SERVICES]
    account = await account_moderation.unsilence(svc, me.account, params.path_id(request))
    return ok(await admin_account(request, account))
