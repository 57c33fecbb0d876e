"""Warmline extension routes on the connection graph: suggestions and degrees."""

from __future__ import annotations

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter
from server.api.responses import ok
from server.appkeys import SERVICES
from server.services import graph, network
from server.services.errors import ValidationError

routes = web.RouteTableDef()
ID = r"{id:\d+}"


def _bounded(request: web.Request, name: str, default: int, maximum: int) -> int:
    value = params.integer(request.query, name, default)
    assert value is not None
    if not 0 <= value <= maximum:
        raise ValidationError(f"{name} must be between 0 and {maximum}", field=name)
    return value


@routes.get("/api/v1/warmline/suggestions")
async def suggestions(request: web.Request) -> web.Response:
    """People you may know: ``[{"account": Account, "mutual_connections": N}]``."""
    me = await auth.required(request, "read:accounts")
    svc = request.app[SERVICES]
    limit = _bounded(request, "limit", 20, network.MAX_SUGGESTIONS) or 20
    offset = _bounded(request, "offset", 0, 10_000)
    found = await network.people_you_may_know(svc, me.account, limit=limit, offset=offset)
    presenter = await Presenter(svc, me.account).load(account_ids=[s.account.id for s in found])
    return ok(
        [
            {"account": presenter.account(s.account), "mutual_connections": s.mutual_connections}
            for s in found
        ]
    )


@routes.get(f"/api/v1/warmline/accounts/{ID}/degree")
async def degree(request: web.Request) -> web.Response:
    """``{"degree": 1 | 2 | null, "mutual_connections": [Account, ...]}`` (a few)."""
    me = await auth.required(request, "read:accounts")
    svc = request.app[SERVICES]
    other = await graph.get_account(svc, params.path_id(request))
    found = await network.degree(svc, me.account, other)
    presenter = await Presenter(svc, me.account).load(
        account_ids=[a.id for a in found.mutual_connections]
    )
    return ok(
        {
            "degree": found.degree,
            "mutual_connections": [presenter.account(a) for a in found.mutual_connections],
        }
    )
