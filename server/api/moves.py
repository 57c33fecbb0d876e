"""Warmline extension routes: moving between servers, as Mastodon does it.

``/api/v1/warmline/account/aliases`` lists, adds and removes the member's other
accounts (``acct``), published as ``alsoKnownAs``; ``/account/move`` moves the
member to ``target`` (an acct naming this account among its aliases), with
their ``password``; ``/account/aliases/carry`` brings an old account's
connections to this one. The web's settings do the same.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter
from server.api.responses import ok
from server.appkeys import SERVICES
from server.services import moves
from server.services.errors import ValidationError
from server.store.accounts import AccountRow

routes = web.RouteTableDef()
BASE = "/api/v1/warmline/account"


def _aliases(found: list[str]) -> list[dict[str, Any]]:
    return [{"uri": uri} for uri in found]


def _acct(body: params.Params, name: str) -> str:
    value = params.text(body, name).strip()
    if not value:
        raise ValidationError(f"{name} is required: an account's handle, like name@server.example",
                              field=name)  # fmt: skip
    if len(value) > 300:
        raise ValidationError(f"{name} is too long", field=name)
    return value


@routes.get(f"{BASE}/aliases")
async def aliases(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:accounts")
    return ok(_aliases(await moves.aliases(request.app[SERVICES], me.account)))


@routes.post(f"{BASE}/aliases")
async def add_alias(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    acct = _acct(await params.body(request), "acct")
    return ok(_aliases(await moves.add_alias(request.app[SERVICES], me.account, acct)))


@routes.delete(f"{BASE}/aliases")
async def remove_alias(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    body = request.query if "acct" in request.query else await params.body(request)
    acct = _acct(body, "acct")
    return ok(_aliases(await moves.remove_alias(request.app[SERVICES], me.account, acct)))


@routes.post(f"{BASE}/aliases/carry")
async def carry(request: web.Request) -> web.Response:
    """Bring the connections of an alias that moved here (by hand, in case the
    Move never reached this server): ``{asked, connected, skipped}``."""
    me = await auth.required(request, "write:accounts")
    acct = _acct(await params.body(request), "acct")
    done = await moves.carry_from(request.app[SERVICES], me.account, acct)
    return ok({"asked": done.asked, "connected": done.connected, "skipped": done.skipped})


@routes.post(f"{BASE}/move")
async def move(request: web.Request) -> web.Response:
    """Move to ``target``; followers here and elsewhere are told (``Move``)."""
    me = await auth.required(request, "write:accounts")
    body = await params.body(request)
    target = _acct(body, "target")
    password = params.text(body, "password")
    if not password:
        raise ValidationError("password is required to move an account", field="password")
    svc = request.app[SERVICES]
    moved_to: AccountRow = await moves.move(svc, me.account, target, password)
    presenter = await Presenter(svc, me.account).load(account_ids=[moved_to.id])
    return ok({"moved_to": presenter.account(moved_to)})
