"""My network: connections, requests, introductions and people you may know.

Each tab is a page of its own (``/network``, ``/network/requests``,
``/network/introductions``, ``/network/suggestions``) with the same header and
tabs, whose badges count what waits for the member's answer. The actions on
them are in ``network_actions.py``; a refused action without JavaScript
renders its tab again through the functions here (``tab_page``), with the
message above the list and, for a note, next to its field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiohttp import web

from server.appkeys import SERVICES
from server.services import connections, graph, introductions, network
from server.services.errors import NotFound
from server.store.graph import PENDING
from server.store.statuses import Page
from server.web import netviews
from server.web.forms import FormState
from server.web.responses import page
from server.web.routing import PageRoutes, path_id, query_id
from server.web.session import member
from server.web.views import person

routes = PageRoutes()
PAGE_SIZE = 24
SECTION_SIZE = 10  # each list of a tab with several, before "Show more"
INTRO_ROLES = ("introducer", "target", "requester")  # the order of the sections
REQUEST_LISTS = ("received", "follows", "sent")


def page_number(request: web.Request) -> int:
    value = request.query.get("page", "1")
    return min(int(value), 1000) if value.isdigit() and 0 < len(value) < 5 and int(value) else 1


async def frame(request: web.Request, tab: str) -> dict[str, Any]:
    """What every network tab shows around its list: counts for the tabs."""
    session = await member(request)
    svc = request.app[SERVICES]
    waiting, connection_count = await network.frame(svc, session.account)
    return {"tab": tab, "waiting": waiting, "connection_count": connection_count}


# --- connections -------------------------------------------------------------------------


async def connections_tab(request: web.Request, **extra: Any) -> dict[str, Any]:
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    number = page_number(request)
    found = await connections.visible_connections(
        svc, me, me, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE
    )
    rows = [netviews.ConnectionView(person(svc, c.peer), c.note, c.created_at) for c in found]
    return {
        "connections": rows[:PAGE_SIZE],
        "page_number": number,
        "more": len(rows) > PAGE_SIZE,
    }


@routes.get("/network")
async def connections_page(request: web.Request) -> web.Response:
    return await tab_page(request, "connections")


# --- requests ----------------------------------------------------------------------------


async def requests_tab(request: web.Request, **extra: Any) -> dict[str, Any]:
    """Requests received, follow requests (for a locked account), requests sent; with
    ``?show=`` one of them alone, paged by ``max_id``."""
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    show = request.query.get("show", "")
    only = show if show in REQUEST_LISTS else ""
    size = PAGE_SIZE if only else SECTION_SIZE
    cursor = Page(limit=size + 1, max_id=query_id(request) if only else None)
    lists: dict[str, list[tuple[int, Any]]] = {}
    for name in (only,) if only else REQUEST_LISTS:
        if name == "follows":
            pairs = await graph.related_accounts(
                svc, me, cursor, direction="followers", state=PENDING
            )
            lists[name] = [(fid, netviews.FollowRequestView(person(svc, a))) for fid, a in pairs]
        else:
            lists[name] = await _request_views(request, cursor, incoming=name == "received")
    more = {name: rows[size - 1][0] for name, rows in lists.items() if len(rows) > size}
    return {
        "only": only,
        "lists": {name: [view for _, view in rows[:size]] for name, rows in lists.items()},
        "more": more,
        "locked": me.locked,
    }


async def _request_views(
    request: web.Request, cursor: Page, *, incoming: bool
) -> list[tuple[int, netviews.RequestView]]:
    session = await member(request)
    svc = request.app[SERVICES]
    listed = await connections.requests(svc, session.account, cursor, incoming=incoming)
    shaped = []
    for row in listed.requests:
        other = listed.accounts.get(row.account_id if incoming else row.target_account_id)
        if other is not None:
            shaped.append((row.id, netviews.request_view(svc, row, other, incoming=incoming)))
    return shaped


@routes.get("/network/requests")
async def requests_page(request: web.Request) -> web.Response:
    return await tab_page(request, "requests")


# --- introductions ------------------------------------------------------------------------


async def introductions_tab(
    request: web.Request, forms: dict[int, FormState] | None = None, **extra: Any
) -> dict[str, Any]:
    """Introductions asked of the member, offered to them, and asked by them; with
    ``?role=`` one of them alone, paged by ``max_id``."""
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    role = request.query.get("role", "")
    only = role if role in INTRO_ROLES else ""
    size = PAGE_SIZE if only else SECTION_SIZE
    cursor = Page(limit=size + 1, max_id=query_id(request) if only else None)
    lists: dict[str, list[netviews.IntroView]] = {}
    more: dict[str, int] = {}
    for name in (only,) if only else INTRO_ROLES:
        found = await introductions.list_mine(svc, me, name, cursor)
        if len(found) > size:
            more[name] = found[size - 1].id
        shaped = await netviews.intro_views(svc, me, [(x, name) for x in found[:size]])
        lists[name] = [_with_form(v, forms) for v in shaped]
    return {"only": only, "lists": lists, "more": more}


def _with_form(view: netviews.IntroView, forms: dict[int, FormState] | None) -> netviews.IntroView:
    form = (forms or {}).get(view.id)
    return replace(view, form=form, error=form.general) if form is not None else view


@routes.get("/network/introductions")
async def introductions_page(request: web.Request) -> web.Response:
    return await tab_page(request, "introductions")


@routes.get(r"/network/introductions/{intro_id}")
async def introduction_page(request: web.Request) -> web.Response:
    return await introduction_detail(request)


async def introduction_detail(
    request: web.Request, form: FormState | None = None, *, http_status: int = 200
) -> web.Response:
    """One introduction, as the member's role in it sees it (where notifications link)."""
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    intro_id = path_id(request, "intro_id", "Introduction not found")
    intro, role = await introductions.get_mine(svc, me, intro_id)
    [shown] = await netviews.intro_views(svc, me, [(intro, role)])
    if form is not None:
        shown = _with_form(shown, {shown.id: form})
    return await page(
        request, "network/introduction.html", intro=shown, http_status=http_status,
        **await frame(request, "introductions"),
    )  # fmt: skip


# --- people you may know ------------------------------------------------------------------


async def suggestions_tab(request: web.Request, **extra: Any) -> dict[str, Any]:
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    number = page_number(request)
    offset = (number - 1) * PAGE_SIZE
    if offset >= network.MAX_SUGGESTIONS:
        return {"cards": [], "page_number": number, "more": False}
    found = await network.people_you_may_know(svc, me, limit=PAGE_SIZE + 1, offset=offset)
    counts = {s.account.id: s.mutual_connections for s in found}
    cards = await netviews.person_cards(
        svc, me, [s.account for s in found[:PAGE_SIZE]], counts, faces=True
    )
    more = len(found) > PAGE_SIZE and offset + PAGE_SIZE < network.MAX_SUGGESTIONS
    return {"cards": cards, "page_number": number, "more": more}


@routes.get("/network/suggestions")
async def suggestions_page(request: web.Request) -> web.Response:
    return await tab_page(request, "suggestions")


# --- one page for every tab ---------------------------------------------------------------

TABS: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
    "connections": connections_tab,
    "requests": requests_tab,
    "introductions": introductions_tab,
    "suggestions": suggestions_tab,
}


async def tab_page(
    request: web.Request, tab: str, *, http_status: int = 200, error: str = "", **extra: Any
) -> web.Response:
    """A network tab; after a refused action, with its message (``error``) and any
    refused notes (``forms``, by introduction id), answered with ``http_status``."""
    listed = await TABS[tab](request, **extra)
    return await page(
        request, f"network/{tab}.html", http_status=http_status, error=error,
        **listed, **await frame(request, tab),
    )  # fmt: skip


# --- confirmations and the form with a note ----------------------------------------------


@routes.get(r"/network/connections/{account_id}/remove")
async def remove_confirmation(request: web.Request) -> web.Response:
    session = await member(request)
    svc = request.app[SERVICES]
    peer = await graph.get_account(svc, path_id(request, "account_id", "Connection not found"))
    states = await connections.states(svc, session.account, [peer.id])
    if states.of(peer.id) != "connected":
        raise NotFound("You are not connected to this person")
    return await page(request, "network/remove.html", peer=person(svc, peer))


@routes.get(r"/network/connect/{account_id}")
async def connect_form(request: web.Request) -> web.Response:
    return await connect_page(request)


async def connect_page(
    request: web.Request, form: FormState | None = None, *, http_status: int = 200
) -> web.Response:
    """Asking someone to connect, with a note (and the page a refused request comes back to)."""
    session = await member(request)
    svc = request.app[SERVICES]
    target = await graph.get_account(svc, path_id(request, "account_id", "Person not found"))
    [card] = await netviews.person_cards(svc, session.account, [target])
    degree = await network.degree(svc, session.account, target)
    return await page(
        request, "network/connect.html", card=card, form=form or FormState(),
        mutuals=[person(svc, a) for a in degree.mutual_connections],
        http_status=http_status, max_note=connections.MAX_NOTE,
    )  # fmt: skip
