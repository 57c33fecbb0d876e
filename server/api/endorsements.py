"""Warmline extension routes: skill endorsements and recommendations."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter, date
from server.api.responses import ok, paged
from server.appkeys import SERVICES
from server.services import endorsements, graph, recommendations
from server.services.context import Services
from server.services.errors import ValidationError
from server.services.html import text_to_html
from server.store.accounts import AccountRow
from server.store.endorsements import EndorsementRow, RecommendationRow

routes = web.RouteTableDef()
ID = r"{id:\d+}"
BASE = "/api/v1/warmline"


async def _target(svc: Services, body: Any) -> AccountRow:
    found = params.identifier(body, "account_id")
    if found is None:
        raise ValidationError("account_id is required", field="account_id")
    return await graph.get_account(svc, found)


def _endorsement(presenter: Presenter, row: EndorsementRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "uri": row.uri,
        "skill": row.skill,
        "account": presenter.account(presenter.accounts[row.account_id]),
        "target_account": presenter.account(presenter.accounts[row.target_account_id]),
        "created_at": date(row.created_at),
    }


def _recommendation(presenter: Presenter, row: RecommendationRow) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "uri": row.uri,
        "state": row.state,
        "text": row.text,
        "content": text_to_html(row.text),
        "account": presenter.account(presenter.accounts[row.account_id]),
        "target_account": presenter.account(presenter.accounts[row.target_account_id]),
        "created_at": date(row.created_at),
        "updated_at": date(row.updated_at),
    }


async def _presenter(svc: Services, viewer: AccountRow | None, rows: list[Any]) -> Presenter:
    people = {*(r.account_id for r in rows), *(r.target_account_id for r in rows)}
    return await Presenter(svc, viewer).load(account_ids=list(people))


# --- endorsements ---------------------------------------------------------------------


@routes.post(f"{BASE}/endorsements")
async def endorse(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    svc = request.app[SERVICES]
    body = await params.body(request)
    target = await _target(svc, body)
    row = await endorsements.endorse(svc, me.account, target, params.text(body, "skill"))
    return ok(_endorsement(await _presenter(svc, me.account, [row]), row))


@routes.delete(f"{BASE}/endorsements/{ID}")
async def withdraw_endorsement(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    svc = request.app[SERVICES]
    row = await endorsements.withdraw(svc, me.account, params.path_id(request))
    return ok(_endorsement(await _presenter(svc, me.account, [row]), row))


@routes.get(f"{BASE}/accounts/{ID}/endorsements")
async def account_endorsements(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    viewer = await auth.optional(request, "read:accounts")
    account = await graph.get_account(svc, params.path_id(request))
    found = await endorsements.summary(svc, account)
    people = [a.id for s in found for a in s.endorsers]
    presenter = await Presenter(svc, viewer.account if viewer else None).load(account_ids=people)
    return ok(
        [
            {
                "skill": s.skill,
                "count": s.count,
                "endorsers": [presenter.account(a) for a in s.endorsers],
            }
            for s in found
        ]
    )


# --- recommendations ---------------------------------------------------------------------


@routes.post(f"{BASE}/recommendations")
async def recommend(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    svc = request.app[SERVICES]
    body = await params.body(request)
    target = await _target(svc, body)
    row = await recommendations.recommend(svc, me.account, target, params.text(body, "text"))
    return ok(_recommendation(await _presenter(svc, me.account, [row]), row))


async def _step(request: web.Request, step: str) -> web.Response:
    me = await auth.required(request, "write:accounts")
    svc = request.app[SERVICES]
    rec_id = params.path_id(request)
    if step == "withdraw":
        row = await recommendations.withdraw(svc, me.account, rec_id)
    else:
        row = await recommendations.answer(svc, me.account, rec_id, approve=step == "approve")
    return ok(_recommendation(await _presenter(svc, me.account, [row]), row))


@routes.post(f"{BASE}/recommendations/{ID}/approve")
async def approve(request: web.Request) -> web.Response:
    return await _step(request, "approve")


@routes.post(f"{BASE}/recommendations/{ID}/decline")
async def decline(request: web.Request) -> web.Response:
    return await _step(request, "decline")


@routes.post(f"{BASE}/recommendations/{ID}/withdraw")
async def withdraw(request: web.Request) -> web.Response:
    return await _step(request, "withdraw")


@routes.get(f"{BASE}/recommendations")
async def my_recommendations(request: web.Request) -> web.Response:
    me = await auth.required(request, "read:accounts")
    svc = request.app[SERVICES]
    query = request.query
    rows = await recommendations.mine(
        svc,
        me.account,
        params.page(query),
        direction=query.get("direction", "received"),
        state=query.get("state") or None,
    )
    presenter = await _presenter(svc, me.account, rows)
    return paged(request, [_recommendation(presenter, r) for r in rows], [r.id for r in rows])


@routes.get(f"{BASE}/accounts/{ID}/recommendations")
async def account_recommendations(request: web.Request) -> web.Response:
    svc = request.app[SERVICES]
    viewer = await auth.optional(request, "read:accounts")
    account = await graph.get_account(svc, params.path_id(request))
    rows = await recommendations.shown_on_profile(svc, account, params.page(request.query))
    presenter = await _presenter(svc, viewer.account if viewer else None, rows)
    return paged(request, [_recommendation(presenter, r) for r in rows], [r.id for r in rows])
