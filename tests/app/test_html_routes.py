"""Every GET route a browser may open answers a page (or a clear refusal), never a 500.

``ROUTES`` maps each GET route of the app (its canonical path, as aiohttp names
it) to the URLs a browser is sent to: a ``Page`` must answer HTML, a ``Document``
(an ActivityPub collection, say) only must not fail. Routes under ``NOT_PAGES``
(the client API, discovery, files) are not for browsers and are left out. A new
GET route that is in neither fails ``test_every_get_route_has_a_visit``: add one
line for it here. URLs may name the samples made in ``_samples`` as ``{post}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from server.app import create_app
from server.appkeys import SERVICES
from server.config import load_config
from server.services import member_admin
from tests.apiclient import member

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TEXT = "Hello from the page test #PageTest"
CB = "https://app.example/cb"
NOT_PAGES = (
    "/api/", "/.well-known/", "/nodeinfo/", "/media/", "/static", "/healthz", "/assets/",
)  # fmt: skip
# Pages for members (or admins) only: a visitor is sent to sign in.
MEMBERS_ONLY = (
    "/compose", "/events", "/settings", "/settings/sessions", "/settings/apps",
    "/settings/password", "/admin", "/admin/joining", "/admin/about", "/admin/invites",
    "/admin/signups", "/admin/members",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Page:
    """A URL that answers HTML with ``status``, showing ``shows`` if given."""

    url: str
    status: int = 200
    shows: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    """A URL that is not a page (JSON for peers), opened by a browser anyway."""

    url: str
    status: int = 200


AUTHORIZE = "/oauth/authorize?response_type=code&redirect_uri=" + CB

ROUTES: dict[str, tuple[Page | Document, ...]] = {
    "/": (Page("/", shows="member"),),
    "/about": (Page("/about", shows="member"),),
    "/@{username}": (
        Page("/@alice", shows="Alice Archer"),
        Page("/@ALICE", shows="Alice Archer"),
        Page("/@unknown", 404),
        Page("/@actor", 404),
        Page("/@paused", 403, shows="suspended"),
        Page("/@gone", 410, shows="deleted"),
    ),
    "/@{username}/{status_id}": (
        Page("/@alice/{post}", shows="Hello from the page test"),
        Page("/@alice/{deleted}", 410, shows="deleted"),
        Page("/@alice/{private}", 404),
        Page("/@alice/12345", 404),
        Page("/@bob/{post}", 404),
        Page("/@unknown/{post}", 404),
        Page("/@paused/{paused_post}", 403),
    ),
    "/users/{username}": (
        Page("/users/alice", shows="Alice Archer"),
        Page("/users/unknown", 404),
        Page("/users/gone", 410),
    ),
    "/users/{username}/statuses/{status_id}": (
        Page("/users/alice/statuses/{post}", shows="Hello from the page test"),
        Page("/users/alice/statuses/{deleted}", 410),
        Page("/users/alice/statuses/{boost}", 404),
        Page("/users/alice/statuses/not-a-number", 404),
    ),
    "/users/{username}/statuses/{status_id}/activity": (
        Document("/users/alice/statuses/{post}/activity"),
        Document("/users/alice/statuses/{deleted}/activity", 410),
    ),
    "/users/{username}/{collection}": (
        Document("/users/alice/outbox"),
        Document("/users/alice/followers"),
        Document("/users/alice/following"),
        Document("/users/unknown/followers", 404),
        Document("/users/paused/outbox", 403),
        Document("/users/gone/followers", 410),
    ),
    "/users/{username}/connections": (Document("/users/alice/connections"),),
    "/actor": (Document("/actor"),),
    "/actor/{collection}": (Document("/actor/outbox"),),
    "/tags/{name}": (
        Page("/tags/PageTest", shows="Hello from the page test"),
        Page("/tags/nothing", shows="No public posts"),
    ),
    "/signin": (Page("/signin", shows="Sign in"),),
    "/signup": (Page("/signup", shows="Join"),),
    "/invite/{code}": (Document("/invite/nonsense", 303),),
    "/posts/{post_id}/reply": (Document("/posts/{post}/reply", 303),),
    **{path: (Document(path, 303),) for path in MEMBERS_ONLY},
    "/oauth/authorize": (
        Page(AUTHORIZE + "&client_id={client_id}", shows="Sign in to use"),
        Page(AUTHORIZE + "&client_id=nope", 400),
        Page("/oauth/authorize", 400),
    ),
}


def _get_routes(app: web.Application) -> set[str]:
    return {
        route.resource.canonical
        for route in app.router.routes()
        if route.method == "GET" and route.resource is not None
    }


def test_every_get_route_has_a_visit(tmp_path: Path) -> None:
    config = load_config(environ={}, dev=True, domain="a.test", data=str(tmp_path))
    routes = _get_routes(create_app(config, workers=False))
    missing = sorted(r for r in routes - set(ROUTES) if not r.startswith(NOT_PAGES))
    assert not missing, (
        f"GET route(s) {missing} have no sample URL: add a line for each to ROUTES in {__file__}"
    )
    stale = sorted(set(ROUTES) - routes)
    assert not stale, f"ROUTES names routes the app no longer has: {stale}"


async def _samples(client: TestClient) -> dict[str, Any]:
    """The posts, accounts and OAuth app the URLs in ROUTES name."""
    alice = await member(client, "alice", display_name="Alice Archer")
    post = await alice.post("/api/v1/statuses", json={"status": TEXT})
    deleted = await alice.post("/api/v1/statuses", json={"status": "soon gone"})
    await alice.delete(f"/api/v1/statuses/{deleted['id']}")
    private = await alice.post("/api/v1/statuses", json={"status": "x", "visibility": "private"})
    boost = await alice.post(f"/api/v1/statuses/{post['id']}/reblog")
    await member(client, "bob")
    paused = await member(client, "paused")
    paused_post = await paused.post("/api/v1/statuses", json={"status": "before the pause"})
    await member(client, "gone")
    await member_admin.suspend(client.app[SERVICES], "paused")
    await member_admin.delete_member(client.app[SERVICES], "gone")
    app = {"client_name": "Page Test", "redirect_uris": CB, "scopes": "read"}
    registered = await (await client.post("/api/v1/apps", json=app)).json()
    return {
        "post": post["id"],
        "deleted": deleted["id"],
        "private": private["id"],
        "boost": boost["id"],
        "client_id": registered["client_id"],
        "paused_post": paused_post["id"],
    }


def _problem(visit: Page | Document, status: int, content_type: str, body: str) -> str | None:
    if status >= 500 or status != visit.status:
        return f"{visit.url}: answered {status}, expected {visit.status}: {body[:200]}"
    if isinstance(visit, Page):
        if content_type != "text/html" or "<html" not in body:
            return f"{visit.url}: answered {content_type}, not an HTML page"
        if visit.shows and visit.shows not in body:
            return f"{visit.url}: the page does not show {visit.shows!r}"
    return None


async def test_every_page_answers_html_and_never_fails(start: Any) -> None:
    client = await start()
    samples = await _samples(client)
    problems = []
    for visits in ROUTES.values():
        for visit in visits:
            url = visit.url.format(**samples)
            resp = await client.get(url, headers=BROWSER, allow_redirects=False)
            body = await resp.text()
            found = _problem(visit, resp.status, resp.content_type, body)
            if found:
                problems.append(found.replace(visit.url, url))
    assert not problems, "\n".join(problems)


async def test_the_note_id_answers_a_page_to_browsers_and_a_note_to_peers(client: Any) -> None:
    alice = await member(client, "alice")
    post = await alice.post("/api/v1/statuses", json={"status": "<b>bold</b> & plain"})
    path = f"/users/alice/statuses/{post['id']}"
    page = await client.get(path, headers={"Accept": "text/html"})
    html = await page.text()
    assert page.status == 200 and page.content_type == "text/html"
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; plain" in html  # plain text, escaped once
    assert "<b>bold</b>" not in html
    note = await client.get(path, headers={"Accept": "application/activity+json"})
    assert note.status == 200 and (await note.json())["type"] == "Note"


async def test_error_pages_show_their_code(client: Any) -> None:
    resp = await client.get("/@nobody", headers=BROWSER)
    html = await resp.text()
    assert resp.status == 404 and "Error 404" in html
