"""Live updates for signed-in pages: ``/live`` as server-sent events of HTML."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from webclient import Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import graph, interactions, members, posts
from server.services.posts import Draft

Browsers = Callable[[], Awaitable[Browser]]


class Events:
    """One open ``/live`` stream, read event by event."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.resp = resp

    async def next(self, wait: float = 5) -> tuple[str, str]:
        """The next event's name and data (comments and keep-alives skipped)."""
        name, data = "message", []
        while True:
            raw = await asyncio.wait_for(self.resp.content.readline(), wait)
            if not raw:
                raise EOFError("the stream ended")
            line = raw.decode().rstrip("\n")
            if not line:
                if data:
                    return name, "\n".join(data)
                name = "message"
                continue
            if line.startswith(":") or line.startswith("retry:"):
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)


@asynccontextmanager
async def stream(browser: Browser) -> AsyncIterator[Events]:
    resp = await browser.client.get("/live", headers={"Accept": "text/event-stream"})
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/event-stream"
    line = await asyncio.wait_for(resp.content.readline(), 5)
    assert line.startswith(b"retry:")
    assert await asyncio.wait_for(resp.content.readline(), 5) == b": connected\n"
    try:
        yield Events(resp)
    finally:
        resp.close()


async def bob_following_alice(client: TestClient, browsers: Browsers) -> tuple[Browser, Any, Any]:
    await member_with_password(client, "bob")
    bob = await browsers()
    await bob.sign_in("bob")
    db = client.app[DB]
    alice, me = await members.get_member(db, "alice"), await members.get_member(db, "bob")
    await graph.follow(client.app[SERVICES], me, alice)
    return bob, me, alice


async def test_a_followed_members_post_arrives_as_html(
    client: TestClient, browsers: Browsers
) -> None:
    svc = client.app[SERVICES]
    bob, me, alice = await bob_following_alice(client, browsers)
    async with stream(bob) as events:
        await posts.create_status(svc, me, Draft("my own: the page shows it already"))
        status = await posts.create_status(svc, alice, Draft("Fresh from Alice"))
        name, html = await events.next()
        assert name == "post"
        assert "Fresh from Alice" in html and f'id="post-{status.id}"' in html
        assert "new-post" in html and 'name="csrf_token"' in html  # ready to act on

        await posts.edit_status(svc, alice, status.id, Draft("Fresh from Alice, edited"))
        name, html = await events.next()
        assert name == "edited" and f'id="body-{status.id}"' in html
        assert 'hx-swap-oob="true"' in html and "edited" in html

        await posts.delete_status(svc, alice, status.id)
        name, html = await events.next()
        assert name == "gone"
        assert html == f'<div id="post-{status.id}" hx-swap-oob="delete"></div>'


async def test_a_notification_updates_the_badge(client: TestClient, browsers: Browsers) -> None:
    svc = client.app[SERVICES]
    bob, me, alice = await bob_following_alice(client, browsers)
    mine = await posts.create_status(svc, me, Draft("Like me"))
    async with stream(bob) as events:
        await interactions.favourite(svc, alice, mine.id)
        name, html = await events.next()
        assert name == "unread"
        assert '<span class="nav-badge">1<span class="visually-hidden"> unread' in html


async def test_the_stream_ends_when_the_session_does(
    client: TestClient, browsers: Browsers
) -> None:
    svc = client.app[SERVICES]
    svc.stream.heartbeat = 0.05
    bob, _, _ = await bob_following_alice(client, browsers)
    other = await browsers()
    await other.sign_in("bob")  # the same member in another browser stays signed in
    async with stream(bob) as events, stream(other) as still:
        await bob.post("/signout")
        assert await events.next() == ("signedout", "")
        assert await bob.client.get("/live") is not None
        resp = await bob.client.get("/live")
        assert resp.status == 204  # not signed in: EventSource stops reconnecting
        alice = await members.get_member(client.app[DB], "alice")
        await posts.create_status(svc, alice, Draft("Still live elsewhere"))
        name, html = await still.next()
        assert name == "post" and "Still live elsewhere" in html
