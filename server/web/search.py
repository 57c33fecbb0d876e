"""Search: the top bar's box. Local members by name, skill, headline or location;
anyone on the fediverse by handle (``@ada@example.social``) or profile URL,
found by WebFinger or fetched; posts by hashtag.

Only members may make this instance fetch from elsewhere: a visitor's handle or
URL is looked up among the accounts already known here, with a hint to sign in.
An empty search is a page of its own: people you may know, and how to find
someone on another instance.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.appkeys import SERVICES
from server.services import network, posts, search
from server.services.errors import NotFound, ValidationError
from server.store.accounts import AccountRow
from server.web import netviews
from server.web.network import page_number
from server.web.responses import page
from server.web.routing import PageRoutes
from server.web.session import viewer
from server.web.views import Views

routes = PageRoutes()
MAX_QUERY = 200
PAGE_SIZE = 20
SUGGESTIONS = 6


def kind_of(query: str) -> str:
    """What a search looks for: a ``handle``, a ``url``, a ``tag``, ``people`` or nothing."""
    if not query:
        return ""
    if search.HANDLE.match(query):
        return "handle"
    if query.startswith(("https://", "http://")) and " " not in query:
        return "url"
    if query.startswith("#") and " " not in query:
        return "tag"
    return "people"


@routes.get("/search")
async def search_page(request: web.Request) -> web.Response:
    query = " ".join(request.query.get("q", "").split())
    if len(query) > MAX_QUERY:
        error = ValidationError(f"A search can be at most {MAX_QUERY} characters long", field="q")
        return await page(
            request, "search.html", query=query[:MAX_QUERY], kind="", error=error.message,
            http_status=error.status, **_empty_results(),
        )  # fmt: skip
    kind = kind_of(query)
    finder = {"handle": _far, "url": _far, "tag": _tags, "people": _people}.get(kind, _start)
    found = {**_empty_results(), **await finder(request, query)}
    return await page(request, "search.html", query=query, kind=kind, error="", **found)


def _empty_results() -> dict[str, Any]:
    return {
        "people": [], "remote": [], "tags": [], "post": None, "page_number": 1, "more": False,
        "suggestions": [], "needs_sign_in": False,
    }  # fmt: skip


async def _cards(request: web.Request, accounts: list[AccountRow], **kw: Any) -> list[Any]:
    session = await viewer(request)
    me = session.account if session else None
    return await netviews.person_cards(request.app[SERVICES], me, accounts, **kw)


async def _people(request: web.Request, query: str) -> dict[str, Any]:
    """Members here matching every word, then accounts elsewhere known by that name,
    then hashtags that start with it."""
    svc, number = request.app[SERVICES], page_number(request)
    session = await viewer(request)
    me = session.account if session else None
    found = await search.people(
        svc, query, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE, viewer=me
    )
    remote = await search.remote_people(svc, query, viewer=me) if number == 1 else []
    tags = await search.hashtags(svc, query, limit=8) if number == 1 else []
    return {
        "people": await _cards(request, found[:PAGE_SIZE]),
        "remote": await _cards(request, remote),
        "tags": tags,
        "page_number": number,
        "more": len(found) > PAGE_SIZE,
    }


async def _far(request: web.Request, query: str) -> dict[str, Any]:
    """A handle or a profile URL: known here, or (for a member) looked up where it lives.
    A URL that is no one's profile may be a post's."""
    svc = request.app[SERVICES]
    session = await viewer(request)
    me = session.account if session else None
    found = await search.accounts(svc, query, resolve=me is not None, limit=1)
    if found:
        return {"remote" if not found[0].is_local else "people": await _cards(request, found)}
    post = None
    if query.startswith(("https://", "http://")):
        status = await search.status_by_url(svc, query, resolve=me is not None)
        if status is not None and await _visible(request, status.id):
            views = await Views(svc, me).load([status])
            post = views.post(status)
    return {"post": post, "needs_sign_in": me is None}


async def _visible(request: web.Request, status_id: int) -> bool:
    session = await viewer(request)
    try:
        await posts.visible_status(
            request.app[SERVICES], session.account if session else None, status_id
        )
    except NotFound:
        return False
    return True


async def _tags(request: web.Request, query: str) -> dict[str, Any]:
    tags = await search.hashtags(request.app[SERVICES], query, limit=20)
    return {"tags": tags}


async def _start(request: web.Request, query: str) -> dict[str, Any]:
    """Nothing asked yet: people you may know (for a member)."""
    session = await viewer(request)
    if session is None:
        return {}
    svc = request.app[SERVICES]
    found = await network.people_you_may_know(svc, session.account, limit=SUGGESTIONS)
    counts = {s.account.id: s.mutual_connections for s in found}
    cards = await _cards(request, [s.account for s in found], mutual=counts, faces=True)
    return {"suggestions": cards}
