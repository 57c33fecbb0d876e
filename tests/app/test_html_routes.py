"""Every GET route a browser may open answers a page (or a clear refusal), never a 500.

``ROUTES`` maps each GET route of the app (its canonical path, as aiohttp names
it) to the URLs a browser is sent to: a ``Page`` must answer HTML (a redirect
only its status), a ``Document`` (an ActivityPub collection, say) only must not
fail. ``signed_in=True`` visits as a signed-in member; the others visit before
signing in. Routes under ``NOT_PAGES`` (the client API, discovery, files) are not
for browsers and are left out. A new GET route that is in neither fails
``test_every_get_route_has_a_visit``: add one line for it here. URLs may name the
samples made in ``_samples`` as ``{post}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from webclient import Browser

from server.app import create_app
from server.appkeys import SERVICES
from server.config import load_config
from server.services import member_admin
from tests.apiclient import member

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TEXT = "Hello from the page test #PageTest"
CB = "https://app.example/cb"
EVENTS = "/api/v1/warmline/events"
GROUPS = "/api/v1/warmline/groups"
PASSWORD = "correct horse battery"
NOT_PAGES = (
    "/api/", "/.well-known/", "/nodeinfo/", "/media/", "/static", "/assets/", "/healthz",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Page:
    """A URL that answers HTML with ``status``, showing ``shows`` if given."""

    url: str
    status: int = 200
    shows: str = ""
    signed_in: bool = False


@dataclass(frozen=True, slots=True)
class Document:
    """A URL that is not a page (JSON for peers), opened by a browser anyway."""

    url: str
    status: int = 200
    signed_in: bool = False


AUTHORIZE = "/oauth/authorize?response_type=code&redirect_uri=" + CB
SHOWN = "Hello from the page test"

ROUTES: dict[str, tuple[Page | Document, ...]] = {
    "/": (Page("/"), Page("/", shows=SHOWN, signed_in=True)),
    "/about": (Page("/about"),),
    "/signin": (Page("/signin", shows="Sign in"), Page("/signin", 303, signed_in=True)),
    "/signup": (Page("/signup"), Page("/signup?invite=nope")),
    "/invite/{code}": (Page("/invite/{invite}", 303),),
    "/compose": (Page("/compose", 303), Page("/compose", signed_in=True)),
    "/posts/{post_id}/reply": (
        Page("/posts/{post}/reply", 303),
        Page("/posts/{post}/reply", shows=SHOWN, signed_in=True),
        Page("/posts/12345/reply", 404, signed_in=True),
    ),
    "/live": (Document("/live", 204),),  # nothing to stream to a visitor
    "/events": (
        Page("/events", shows="Breakfast at the port"),  # a visitor: this server's public ones
        Page("/events?scope=mine&page=x", shows="Breakfast at the port"),
        Page("/events", shows="Breakfast at the port", signed_in=True),
        Page("/events?scope=network", shows="None of the people you know", signed_in=True),
        Page("/events?scope=local&page=9999", shows="No more events", signed_in=True),
        Page("/events?scope=everything", signed_in=True),
    ),
    "/calendar/{token}.ics": (Document("/calendar/nope.ics", 404),),  # a member's private feed
    "/warmth/congratulate/{account_id}": (
        Page("/warmth/congratulate/12345", 303),
        Page("/warmth/congratulate/12345", 404, signed_in=True),
    ),
    "/events/new": (
        Page("/events/new", 303),
        Page("/events/new", shows="Time zone", signed_in=True),
    ),
    "/events/{event_id}": (
        Page("/events/{event}", shows="Breakfast at the port"),
        Page("/events/{event}", shows="Breakfast at the port", signed_in=True),
        Page("/events/{private_event}", 404, shows="no such event"),
        Page("/events/{private_event}", shows="Alice only", signed_in=True),
        Page("/events/{post}", 404, signed_in=True),  # a post, not an event
        Page("/events/12345", 404, signed_in=True),
        Page("/events/99999999999999999999", 404),
    ),
    "/events/{event_id}.ics": (
        Document("/events/{event}.ics"),
        Document("/events/{private_event}.ics", 404),
        Document("/events/{private_event}.ics", signed_in=True),
    ),
    "/events/{event_id}/edit": (
        Page("/events/{event}/edit", 303),
        Page("/events/{event}/edit", shows="Breakfast at the port", signed_in=True),
        Page("/events/{bob_event}/edit", 403, signed_in=True),
        Page("/events/12345/edit", 404, signed_in=True),
    ),
    "/events/{event_id}/cancel": (
        Page("/events/{event}/cancel", 303),
        Page("/events/{event}/cancel", shows="Keep the event", signed_in=True),
        Page("/events/{bob_event}/cancel", 403, signed_in=True),
        Page("/events/12345/cancel", 404, signed_in=True),
    ),
    "/groups": (
        Page("/groups", shows="Logistics people"),  # a visitor: this server's
        Page("/groups?scope=mine&page=x&handle=nonsense", shows="name@server.example"),
        Page("/groups?handle=" + "x" * 301, shows="at most 300 characters"),
        Page("/groups", shows="Logistics people", signed_in=True),
        Page("/groups?scope=local&page=9999", shows="No more groups", signed_in=True),
        Page("/groups?max_id=nope&handle=logistics@a.test", signed_in=True),
    ),
    "/groups/new": (
        Page("/groups/new", 303),
        Page("/groups/new", shows="Who may join", signed_in=True),
    ),
    "/groups/{group_id}": (
        Page("/groups/{group}", 302),
        Page("/groups/{bob}", 404, shows="no such group"),  # a person, not a group
        Page("/groups/12345", 404, signed_in=True),
        Page("/groups/99999999999999999999", 404),
    ),
    "/groups/{group_id}/edit": (
        Page("/groups/{group}/edit", 303),
        Page("/groups/{group}/edit", shows="Logistics people", signed_in=True),
        Page("/groups/{closed_group}/edit", 403, signed_in=True),
        Page("/groups/12345/edit", 404, signed_in=True),
    ),
    "/groups/{group_id}/members": (
        Page("/groups/{group}/members", shows="Alice Archer"),
        Page("/groups/{closed_group}/members", 403, shows="Only this group&#39;s members"),
        Page("/groups/{group}/members?max_id=x", shows="Asking to join", signed_in=True),
        Page("/groups/12345/members", 404),
    ),
    "/groups/{group_id}/members/{account_id}/remove": (
        Page("/groups/{group}/members/{bob}/remove", 303),
        Page("/groups/{group}/members/{bob}/remove?ban=1", shows="Also ban them", signed_in=True),
        Page("/groups/{closed_group}/members/{bob}/remove", 403, signed_in=True),
        Page("/groups/{group}/members/12345/remove", 404, signed_in=True),
    ),
    "/groups/{group_id}/posts/{status_id}/remove": (
        Page("/groups/{group}/posts/{post}/remove", 303),
        Page("/groups/{group}/posts/{post}/remove", shows=SHOWN, signed_in=True),
        Page("/groups/{closed_group}/posts/{post}/remove", 403, signed_in=True),
        Page("/groups/{group}/posts/12345/remove", 404, signed_in=True),
    ),
    "/posts/{post_id}": (
        Page("/posts/{post}", 303),
        Page("/posts/{post}", 303, signed_in=True),
        Page("/posts/12345", 404, signed_in=True),
    ),
    "/posts/{post_id}/edit": (
        Page("/posts/{post}/edit", 303),
        Page("/posts/{post}/edit", shows=SHOWN, signed_in=True),
        Page("/posts/12345/edit", 404, signed_in=True),
    ),
    "/posts/{post_id}/delete": (
        Page("/posts/{post}/delete", 303),
        Page("/posts/{post}/delete", shows=SHOWN, signed_in=True),
        Page("/posts/nope/delete", 404, signed_in=True),
    ),
    "/@{username}": (
        Page("/@alice", shows="Alice Archer"),
        Page("/@ALICE", shows="Alice Archer"),
        Page("/@alice", shows="Alice Archer", signed_in=True),
        Page("/@logistics", shows="Logistics people"),  # a group: its page
        Page("/@logistics", shows="Posts in the group", signed_in=True),
        Page("/@unknown", 404),
        Page("/@actor", 404),
        Page("/@paused", 403, shows="suspended"),
        Page("/@gone", 410, shows="deleted"),
    ),
    "/@{username}/{status_id}": (
        Page("/@alice/{post}", shows=SHOWN),
        Page("/@alice/{post}", shows=SHOWN, signed_in=True),
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
        Page("/users/alice/statuses/{post}", shows=SHOWN),
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
    "/users/{username}/moderators": (
        Document("/users/logistics/moderators"),
        Document("/users/alice/moderators", 404),  # only a group has moderators
    ),
    "/@{username}/connections": (
        Page("/@alice/connections", 403),  # connections are shown to connections by default
        Page("/@alice/connections", signed_in=True),
        Page("/@unknown/connections", 404),
    ),
    "/profile/edit": (
        Page("/profile/edit", 303),
        Page("/profile/edit", shows="Alice Archer", signed_in=True),
        Page("/profile/edit?welcome=1", signed_in=True),
    ),
    "/lists": (Page("/lists", 303), Page("/lists", shows="Your lists", signed_in=True)),
    "/lists/{list_id}": (
        Page("/lists/{list}", 303),
        Page("/lists/{list}", shows="Key clients", signed_in=True),
        Page("/lists/{bob_list}", 404, signed_in=True),
        Page("/lists/12345", 404, signed_in=True),
    ),
    "/network": (
        Page("/network", 303),
        Page("/network", shows="My network", signed_in=True),
        Page("/network?page=nonsense", signed_in=True),
        Page("/network?page=9999", shows="No more connections", signed_in=True),
    ),
    "/network/requests": (
        Page("/network/requests", 303),
        Page("/network/requests", shows="Received", signed_in=True),
        Page("/network/requests?show=sent&max_id=x", signed_in=True),
    ),
    "/network/introductions": (
        Page("/network/introductions", 303),
        Page("/network/introductions", shows="Asked of you", signed_in=True),
        Page("/network/introductions?role=target&max_id=12", signed_in=True),
    ),
    "/network/introductions/{intro_id}": (
        Page("/network/introductions/12345", 303),
        Page("/network/introductions/12345", 404, signed_in=True),
        Page("/network/introductions/x", 404, signed_in=True),
        Page("/network/introductions/99999999999999999999", 404, signed_in=True),
    ),
    "/network/suggestions": (
        Page("/network/suggestions", 303),
        Page("/network/suggestions", shows="People you may know", signed_in=True),
        Page("/network/suggestions?page=-1", signed_in=True),
    ),
    "/network/connect/{account_id}": (
        Page("/network/connect/12345", 303),
        Page("/network/connect/12345", 404, signed_in=True),
    ),
    "/network/connections/{account_id}/remove": (
        Page("/network/connections/12345/remove", 303),
        Page("/network/connections/12345/remove", 404, signed_in=True),
    ),
    "/notifications": (
        Page("/notifications", 303),
        Page("/notifications", shows="Notifications", signed_in=True),
        Page("/notifications?filter=mentions&max_id=nope", signed_in=True),
    ),
    "/search": (
        Page("/search", shows="Finding people"),
        Page("/search?q=alice", shows="Alice Archer"),
        Page("/search?q=%23pagetest", shows="#pagetest"),
        Page("/search?q=@nobody@a.test", shows="No one by that name"),
        Page("/search?q=" + "x" * 201, 422, shows="at most 200 characters"),
        Page("/search?q=alice&page=0", shows="Alice Archer", signed_in=True),
    ),
    "/actor": (Document("/actor"),),
    "/actor/{collection}": (Document("/actor/outbox"),),
    "/tags/{name}": (
        Page("/tags/PageTest", shows=SHOWN),
        Page("/tags/nothing"),
        Page("/tags/PageTest", shows=SHOWN, signed_in=True),
    ),
    **{
        path: (Page(path, 303), Page(path, shows=shows, signed_in=True))
        for path, shows in (
            ("/settings", "Who can see your connections"),
            ("/settings/sessions", "This browser"),
            ("/settings/apps", "Apps with access to your account"),
            ("/settings/password", "Current password"),
            ("/settings/moving", "Moving from another account"),
            ("/settings/delete", "Delete your account"),
            ("/settings/linkedin", "Import your LinkedIn profile"),
            ("/settings/import", "What the file holds"),
            ("/settings/archive", "Ask for an archive"),
        )
    },
    "/settings/archive/{name}": (
        Page("/settings/archive/archive-20261207000000-" + "0" * 32 + ".zip", 303),
        Page("/settings/archive/nope.zip", 404, shows="no such archive", signed_in=True),
    ),
    "/settings/export/{kind}.csv": (
        Page("/settings/export/following.csv", 303),
        Document("/settings/export/bookmarks.csv", signed_in=True),
    ),
    "/settings/linkedin/contacts.csv": (
        Page("/settings/linkedin/contacts.csv", 303),
        Document("/settings/linkedin/contacts.csv", signed_in=True),
    ),
    **{  # administration: alice is a member, not an admin
        path: (Page(path, 303), Page(path, 403, shows="for the instance", signed_in=True))
        for path in (
            "/admin",
            "/admin/joining",
            "/admin/about",
            "/admin/invites",
            "/admin/signups",
            "/admin/members",
            "/admin/domains",
            "/admin/domains/export.csv",
            "/admin/reports",
            "/admin/log",
        )
    },
    "/report": (
        Page("/report?account={bob}", 303),
        Page("/report?account={bob}", shows="Report bob", signed_in=True),
        Page("/report?account={bob}&status={post}", shows="Report bob", signed_in=True),
        Page("/report?account=12345", 404, signed_in=True),
        Page("/report?account=x&status=y", 404, signed_in=True),
        Page("/report", 404, signed_in=True),
    ),
    "/admin/domains/{block_id}/edit": (
        Page("/admin/domains/12345/edit", 303),
        Page("/admin/domains/12345/edit", 403, shows="for the instance", signed_in=True),
    ),
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
    """The posts, accounts, invite and OAuth app the URLs in ROUTES name."""
    from server.services import registrations

    svc = client.app[SERVICES]
    alice = await member(client, "alice", display_name="Alice Archer")
    await member_admin.set_password(svc.db, "alice", PASSWORD)
    post = await alice.post("/api/v1/statuses", json={"status": TEXT})
    deleted = await alice.post("/api/v1/statuses", json={"status": "soon gone"})
    await alice.delete(f"/api/v1/statuses/{deleted['id']}")
    private = await alice.post("/api/v1/statuses", json={"status": "x", "visibility": "private"})
    boost = await alice.post(f"/api/v1/statuses/{post['id']}/reblog")
    bob = await member(client, "bob")
    paused = await member(client, "paused")
    paused_post = await paused.post("/api/v1/statuses", json={"status": "before the pause"})
    await member(client, "gone")
    await member_admin.suspend(svc, "paused")
    await member_admin.delete_member(svc, "gone")
    app = {"client_name": "Page Test", "redirect_uris": CB, "scopes": "read"}
    registered = await (await client.post("/api/v1/apps", json=app)).json()
    invite = await registrations.create_invite(svc, None)
    meetup = {"title": "Breakfast at the port", "starts_at": "2099-03-05T08:00:00+01:00",
              "timezone": "Europe/Paris", "location": {"name": "Café du Port"}}  # fmt: skip
    event = await alice.post(EVENTS, json=meetup)
    private_event = await alice.post(
        EVENTS, json={**meetup, "title": "Alice only", "visibility": "invited"}
    )
    bob_event = await bob.post(EVENTS, json={**meetup, "title": "Bob's"})
    group = await alice.post(GROUPS, json={"name": "logistics", "display_name": "Logistics people"})
    closed = await bob.post(GROUPS, json={"name": "closed", "membership": "approval"})
    alice_list = await alice.post("/api/v1/lists", json={"title": "Key clients"})
    bob_list = await bob.post("/api/v1/lists", json={"title": "Bob's list"})
    return {
        "list": alice_list["id"],
        "bob_list": bob_list["id"],
        "post": post["id"],
        "deleted": deleted["id"],
        "private": private["id"],
        "boost": boost["id"],
        "client_id": registered["client_id"],
        "paused_post": paused_post["id"],
        "invite": invite.code,
        "bob": bob.id,
        "event": event["id"],
        "private_event": private_event["id"],
        "bob_event": bob_event["id"],
        "group": group["id"],
        "closed_group": closed["id"],
    }


def _problem(visit: Page | Document, status: int, content_type: str, body: str) -> str | None:
    if status >= 500 or status != visit.status:
        return f"{visit.url}: answered {status}, expected {visit.status}: {body[:200]}"
    if isinstance(visit, Page) and not 300 <= status < 400:
        if content_type != "text/html" or "<html" not in body:
            return f"{visit.url}: answered {content_type}, not an HTML page"
        if visit.shows and visit.shows not in body:
            return f"{visit.url}: the page does not show {visit.shows!r}"
    return None


async def _visit(
    client: TestClient, visits: list[Page | Document], samples: dict[str, Any]
) -> list[str]:
    problems = []
    for visit in visits:
        url = visit.url.format(**samples)
        resp = await client.get(url, headers=BROWSER, allow_redirects=False)
        body = await resp.text()
        found = _problem(visit, resp.status, resp.content_type, body)
        if found:
            who = "signed in" if visit.signed_in else "anonymous"
            problems.append(f"{found.replace(visit.url, url)} ({who})")
    return problems


async def test_every_page_answers_html_and_never_fails(start: Any) -> None:
    client = await start()
    samples = await _samples(client)
    visits = [visit for visits in ROUTES.values() for visit in visits]
    problems = await _visit(client, [v for v in visits if not v.signed_in], samples)
    await Browser(client).sign_in("alice", PASSWORD)
    problems += await _visit(client, [v for v in visits if v.signed_in], samples)
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
