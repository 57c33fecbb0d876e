# ruff: noqa: F811  (fixtures imported from attackkit)
"""Attack suite: fetching. Whatever a hostile peer answers to a fetch
Warmline makes, the fetch ends in a clean refusal and nothing is stored.

Fetches are driven the way outside input causes them: a key or actor lookup
(``svc.remote.fetch_actor``, which an unknown signer's key fetch goes
through), a raw signed GET (``svc.remote.fetch_document``), a search with
``resolve=true`` by a member, and a delivery to the inbox. The hostile peers
are small aiohttp apps on 127.0.0.1 (the one private address this Warmline
may contact); each records the paths it was asked for.

Each case asserts a refusal (a ``FetchError`` in-process; an empty result,
never a 5xx, through the API), that no row of any table changed, and, where a
redirect points there, that the forbidden listeners were never contacted.

Already elsewhere: the size cap and redirect rules of ``federation.client``
alone (tests/unit/federation/test_client.py); redirects to private addresses
in other notations (tests/security/test_private_addresses.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from fakepeer import AS2, RemoteActor
from sqlalchemy import func, select

from federation import keys as fkeys
from federation.errors import AddressNotAllowed, FetchError
from server.app import create_app
from server.appkeys import DB, SERVICES
from server.config import Config, with_overrides
from server.services import members
from server.store.tables import statuses
from tests.apiclient import Member, member
from tests.app.test_inbox_door import create_note, deliver, process_inbox, status_by_uri
from tests.security.attackkit import (  # noqa: F401 (fixtures)
    Forbidden,
    forbidden,
    nothing_changed,
    refused_4xx,
    warmline,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# What a search by a member may change although nothing was resolved: the
# token's last-use bookkeeping.
SEARCH_BOOKKEEPING = ("api_tokens",)

MAX_DOCUMENT_BYTES = 1_000_000  # [federation] max_document_bytes, the default


class Hostile:
    """A peer on 127.0.0.1 answering each path with the handler set for it."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: list[str] = []
        self.server: TestServer | None = None
        self.release = asyncio.Event()  # ends the slow handlers at teardown

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def on(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def serve(self, path: str, doc: dict[str, Any], content_type: str = AS2) -> str:
        async def answer(_request: web.Request) -> web.Response:
            return web.json_response(doc, content_type=content_type)

        return self.on(path, answer)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        async def answer(_request: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": location})

        return self.on(path, answer)

    def actor(self, name: str) -> RemoteActor:
        """An actor whose document this peer serves at /users/<name>."""
        actor = RemoteActor(
            self.url(f"/users/{name}"), fkeys.generate_rsa(), fkeys.generate_ed25519()
        )
        self.serve(f"/users/{name}", actor.document())
        return actor

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        handler = self.routes.get(request.path)
        if handler is None:
            raise web.HTTPNotFound()
        return await handler(request)


async def start_hostile() -> Hostile:
    hostile = Hostile()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hostile.handle)
    hostile.server = TestServer(app, host="127.0.0.1", port=0)
    await hostile.server.start_server()
    return hostile


@pytest.fixture
async def evil() -> AsyncIterator[Hostile]:
    hostile = await start_hostile()
    yield hostile
    hostile.release.set()
    assert hostile.server is not None
    await hostile.server.close()


@pytest.fixture
async def other() -> AsyncIterator[Hostile]:
    """A second peer: another origin (another port) on the same address."""
    hostile = await start_hostile()
    yield hostile
    hostile.release.set()
    assert hostile.server is not None
    await hostile.server.close()


@pytest.fixture
async def impatient(
    aiohttp_client: Any, make_config: Callable[..., Config], migrated_database_url: str
) -> TestClient:
    """Like ``warmline``, with ``[federation] fetch_timeout = 0.5``."""
    config = make_config(domain="a.test", database_url=migrated_database_url)
    fed = replace(config.federation, allowed_private_addresses=("127.0.0.1",), fetch_timeout=0.5)
    client = await aiohttp_client(create_app(with_overrides(config, federation=fed), workers=False))
    await members.create_member(client.app[DB], "alice", display_name="Alice Archer")
    return client


async def fetch_actor(client: TestClient, url: str) -> FetchError:
    """Look ``url`` up as an actor; return the refusal it must end in."""
    with pytest.raises(FetchError) as refused:
        await client.app[SERVICES].remote.fetch_actor(url)
    return refused.value


async def fetch_document(client: TestClient, url: str) -> FetchError:
    with pytest.raises(FetchError) as refused:
        await client.app[SERVICES].remote.fetch_document(url)
    return refused.value


async def search(ann: Member, url: str) -> dict[str, Any]:
    """A member's search for ``url`` with ``resolve=true``: answered, never a 5xx."""
    resp = await ann.client.get(
        "/api/v2/search",
        params={"q": url, "resolve": "true"},
        headers={"Authorization": f"Bearer {ann.token}"},
    )
    text = await resp.text()
    assert resp.status < 500, f"{resp.status}: {text[:500]}"
    assert resp.status == 200, f"{resp.status}: {text[:500]}"
    return await resp.json()


def found_nothing(result: dict[str, Any]) -> None:
    assert result["accounts"] == [] and result["statuses"] == [], result


async def status_count(client: TestClient) -> int:
    async with client.app[DB].read() as conn:
        return int((await conn.execute(select(func.count()).select_from(statuses))).scalar_one())


def note(hostile: Hostile, n: int, author: RemoteActor, **changes: Any) -> dict[str, Any]:
    doc = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": hostile.url(f"/notes/{n}"),
        "type": "Note",
        "attributedTo": author.id,
        "content": f"<p>note {n}</p>",
        "published": "2024-05-01T10:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    doc.update(changes)
    return doc


# --- the document's id is not the URL fetched ------------------------------------------


async def test_an_actor_whose_id_is_on_another_origin_is_refused(
    warmline: TestClient, evil: Hostile, other: Hostile
) -> None:
    """The peer answers for an actor of another server: not stored under either."""
    victim = other.actor("ceo")
    url = evil.serve("/users/ceo", victim.document())
    async with nothing_changed(warmline):
        await fetch_actor(warmline, url)
    assert other.hits == []


async def test_a_search_for_an_actor_whose_id_is_on_another_origin_finds_nothing(
    warmline: TestClient, evil: Hostile, other: Hostile
) -> None:
    ann = await member(warmline, "ann")
    victim = other.actor("ceo")
    url = evil.serve("/users/ceo", victim.document())
    async with nothing_changed(warmline, ignore=SEARCH_BOOKKEEPING):
        found_nothing(await search(ann, url))
    assert other.hits == []


async def test_a_search_for_a_note_whose_id_is_on_another_origin_finds_nothing(
    warmline: TestClient, evil: Hostile, other: Hostile
) -> None:
    ann = await member(warmline, "ann")
    author = other.actor("ceo")
    forged = note(other, 1, author, content="<p>We are bankrupt</p>")
    url = evil.serve("/notes/1", forged)
    async with nothing_changed(warmline, ignore=SEARCH_BOOKKEEPING):
        found_nothing(await search(ann, url))
    assert other.hits == []  # not even the named author was fetched


# --- redirects --------------------------------------------------------------------------


async def test_a_redirect_to_another_origin_serving_the_asked_id_is_refused(
    warmline: TestClient, evil: Hostile, other: Hostile
) -> None:
    """A → B, and B's document claims A's id: the id must be on the final origin."""
    asked = evil.url("/users/bob")
    impostor = RemoteActor(asked, fkeys.generate_rsa(), fkeys.generate_ed25519())
    other.serve("/users/bob", impostor.document())
    evil.redirect("/users/bob", other.url("/users/bob"))
    async with nothing_changed(warmline):
        await fetch_actor(warmline, asked)
    assert evil.hits == ["/users/bob"] and other.hits == ["/users/bob"]


async def test_a_redirect_to_another_origin_is_stored_under_the_final_origin(
    warmline: TestClient, evil: Hostile, other: Hostile
) -> None:
    """The control: B's own actor, reached through A's redirect, is B's."""
    bob = other.actor("bob")
    evil.redirect("/users/bob", bob.id, status=301)
    account = await warmline.app[SERVICES].remote.fetch_actor(evil.url("/users/bob"))
    assert account.uri == bob.id
    assert account.domain == other.origin.removeprefix("http://")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_to_a_forbidden_address_is_refused(
    warmline: TestClient, evil: Hostile, forbidden: Forbidden, status: int
) -> None:
    url = evil.redirect("/users/bob", forbidden.url("/users/bob"), status=status)
    async with nothing_changed(warmline):
        refusal = await fetch_actor(warmline, url)
    assert isinstance(refusal, AddressNotAllowed), refusal
    assert not refusal.retryable
    assert forbidden.hits == []


async def test_a_search_redirected_to_a_forbidden_address_finds_nothing(
    warmline: TestClient, evil: Hostile, forbidden: Forbidden
) -> None:
    ann = await member(warmline, "ann")
    actor_url = evil.redirect("/users/bob", forbidden.url("/users/bob"))
    note_url = evil.redirect("/notes/1", forbidden.url("/notes/1", host="127.0.0.3"))
    async with nothing_changed(warmline, ignore=SEARCH_BOOKKEEPING):
        found_nothing(await search(ann, actor_url))
        found_nothing(await search(ann, note_url))
    assert forbidden.hits == []


async def test_a_second_hop_to_a_forbidden_address_is_refused(
    warmline: TestClient, evil: Hostile, other: Hostile, forbidden: Forbidden
) -> None:
    """A → B → 127.0.0.3: every hop is checked, not only the first."""
    other.redirect("/hop", forbidden.url("/users/bob", host="127.0.0.3"), status=307)
    url = evil.redirect("/users/bob", other.url("/hop"))
    async with nothing_changed(warmline):
        assert isinstance(await fetch_actor(warmline, url), AddressNotAllowed)
    assert forbidden.hits == []


async def test_a_redirect_loop_is_refused_after_the_hop_limit(
    warmline: TestClient, evil: Hostile, other: Hostile
) -> None:
    a = evil.redirect("/users/bob", other.url("/users/bob"))
    other.redirect("/users/bob", a)
    async with nothing_changed(warmline):
        refusal = await fetch_actor(warmline, a)
    assert "redirects" in str(refusal) and not refusal.retryable
    assert len(evil.hits) + len(other.hits) == 4  # the first request and 3 redirects


async def test_a_redirect_to_itself_is_refused_after_the_hop_limit(
    warmline: TestClient, evil: Hostile
) -> None:
    url = evil.redirect("/users/bob", "/users/bob", status=308)
    async with nothing_changed(warmline):
        refusal = await fetch_document(warmline, url)
    assert "redirects" in str(refusal)
    assert evil.hits == ["/users/bob"] * 4


async def test_a_long_redirect_chain_is_refused_after_the_hop_limit(
    warmline: TestClient, evil: Hostile
) -> None:
    for n in range(50):
        evil.redirect(f"/hop/{n}", f"/hop/{n + 1}")
    evil.serve("/hop/50", evil.actor("bob").document())
    async with nothing_changed(warmline):
        refusal = await fetch_actor(warmline, evil.url("/hop/0"))
    assert "redirects" in str(refusal)
    assert evil.hits == [f"/hop/{n}" for n in range(4)]


async def test_a_search_through_a_long_redirect_chain_finds_nothing(
    warmline: TestClient, evil: Hostile
) -> None:
    ann = await member(warmline, "ann")
    for n in range(50):
        evil.redirect(f"/hop/{n}", evil.url(f"/hop/{n + 1}"))
    async with nothing_changed(warmline, ignore=SEARCH_BOOKKEEPING):
        found_nothing(await search(ann, evil.url("/hop/0")))
    # Both lookups a search makes (as an account, as a post) stop at the limit.
    assert evil.hits == [f"/hop/{n}" for n in range(4)] * 2, evil.hits


# --- content types ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/html", "image/png", "text/plain", "application/xml", "application/octet-stream"],
)
async def test_an_actor_served_as_something_other_than_json_is_refused(
    warmline: TestClient, evil: Hostile, content_type: str
) -> None:
    bob = RemoteActor(evil.url("/users/bob"), fkeys.generate_rsa(), fkeys.generate_ed25519())
    url = evil.serve("/users/bob", bob.document(), content_type=content_type)
    async with nothing_changed(warmline):
        refusal = await fetch_actor(warmline, url)
    assert "content type" in str(refusal) and not refusal.retryable


async def test_a_note_served_as_html_is_not_resolved_by_search(
    warmline: TestClient, evil: Hostile
) -> None:
    ann = await member(warmline, "ann")
    bob = evil.actor("bob")
    url = evil.serve("/notes/1", note(evil, 1, bob), content_type="text/html")
    async with nothing_changed(warmline, ignore=SEARCH_BOOKKEEPING):
        found_nothing(await search(ann, url))
    assert "/users/bob" not in evil.hits


async def test_a_json_array_or_scalar_is_refused(warmline: TestClient, evil: Hostile) -> None:
    async def array(_request: web.Request) -> web.Response:
        return web.Response(text='[{"id": "x"}]', content_type=AS2)

    async def scalar(_request: web.Request) -> web.Response:
        return web.Response(text='"Person"', content_type=AS2)

    async with nothing_changed(warmline):
        assert "not an object" in str(await fetch_actor(warmline, evil.on("/a", array)))
        assert "not an object" in str(await fetch_actor(warmline, evil.on("/s", scalar)))


# --- slow peers -------------------------------------------------------------------------


def slow(hostile: Hostile, doc: dict[str, Any] | None = None) -> Handler:
    """Answers only when the test ends (long after any fetch_timeout)."""

    async def answer(_request: web.Request) -> web.Response:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hostile.release.wait(), timeout=30)
        return web.json_response(doc or {}, content_type=AS2)

    return answer


def trickle(hostile: Hostile) -> Handler:
    """Sends headers at once, then a byte at a time, slowly, never finishing."""

    async def answer(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": AS2})
        await resp.prepare(request)
        await resp.write(b"{")
        for _ in range(300):
            if hostile.release.is_set():
                break
            await resp.write(b" ")
            await asyncio.sleep(0.1)
        return resp

    return answer


async def test_a_peer_slower_than_fetch_timeout_is_a_retryable_refusal(
    impatient: TestClient, evil: Hostile
) -> None:
    url = evil.on("/users/bob", slow(evil))
    async with nothing_changed(impatient):
        refusal = await fetch_actor(impatient, url)
    assert refusal.retryable and "timed out" in str(refusal), refusal


async def test_a_peer_trickling_its_body_is_cut_off_at_fetch_timeout(
    impatient: TestClient, evil: Hostile
) -> None:
    """Headers at once, then a byte every 0.1 s: the timeout covers the whole fetch."""
    url = evil.on("/users/bob", trickle(evil))
    async with nothing_changed(impatient):
        refusal = await fetch_document(impatient, url)
    assert refusal.retryable, refusal


async def test_a_slow_peer_found_by_search_finds_nothing(
    impatient: TestClient, evil: Hostile
) -> None:
    ann = await member(impatient, "ann")
    url = evil.on("/notes/1", slow(evil))
    async with nothing_changed(impatient, ignore=SEARCH_BOOKKEEPING):
        found_nothing(await search(ann, url))


async def test_a_slow_key_fetch_refuses_the_delivery(impatient: TestClient, evil: Hostile) -> None:
    """An unknown signer whose key document never comes: the inbox answers, no 5xx."""
    bob = RemoteActor(evil.url("/users/bob"), fkeys.generate_rsa(), fkeys.generate_ed25519())
    evil.on("/users/bob", slow(evil, bob.document()))
    async with nothing_changed(impatient):
        text = await refused_4xx(await deliver(impatient, bob, create_note(bob)), 401)
    assert "timed out" in text
    assert evil.hits == ["/users/bob"]


# --- oversized documents ----------------------------------------------------------------


def huge(bob: RemoteActor, *, chunked: bool) -> Handler:
    """Bob's document padded past max_document_bytes, declared or streamed."""
    doc = bob.document()
    doc["summary"] = "x" * (MAX_DOCUMENT_BYTES + 10_000)
    body = jsontext_bytes(doc)

    async def answer(request: web.Request) -> web.StreamResponse:
        if not chunked:
            return web.Response(body=body, content_type=AS2)
        resp = web.StreamResponse(headers={"Content-Type": AS2})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for start in range(0, len(body), 64 * 1024):
            await resp.write(body[start : start + 64 * 1024])
        await resp.write_eof()
        return resp

    return answer


def jsontext_bytes(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_oversized_actor_document_is_refused(
    warmline: TestClient, evil: Hostile, chunked: bool
) -> None:
    bob = RemoteActor(evil.url("/users/bob"), fkeys.generate_rsa(), fkeys.generate_ed25519())
    url = evil.on("/users/bob", huge(bob, chunked=chunked))
    async with nothing_changed(warmline):
        refusal = await fetch_actor(warmline, url)
    assert "exceeds" in str(refusal) and not refusal.retryable


async def test_an_oversized_note_is_not_resolved_by_search(
    warmline: TestClient, evil: Hostile
) -> None:
    ann = await member(warmline, "ann")
    bob = evil.actor("bob")
    padded = note(evil, 1, bob, content="<p>" + "x" * (MAX_DOCUMENT_BYTES + 10_000) + "</p>")

    async def answer(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": AS2})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        body = jsontext_bytes(padded)
        for start in range(0, len(body), 64 * 1024):
            await resp.write(body[start : start + 64 * 1024])
        await resp.write_eof()
        return resp

    url = evil.on("/notes/1", answer)
    async with nothing_changed(warmline, ignore=SEARCH_BOOKKEEPING):
        found_nothing(await search(ann, url))
    assert "/users/bob" not in evil.hits


# --- recursive fetch chains -------------------------------------------------------------

CHAIN = 100


def reply_chain(hostile: Hostile, author: RemoteActor) -> None:
    """/notes/0 replies to /notes/1, which replies to /notes/2, ... /notes/100."""
    for n in range(CHAIN):
        hostile.serve(
            f"/notes/{n}", note(hostile, n, author, inReplyTo=hostile.url(f"/notes/{n + 1}"))
        )
    hostile.serve(f"/notes/{CHAIN}", note(hostile, CHAIN, author))


def note_hits(hostile: Hostile) -> list[str]:
    return [path for path in hostile.hits if path.startswith("/notes/")]


async def test_a_search_for_the_end_of_a_reply_chain_fetches_a_bounded_number(
    warmline: TestClient, evil: Hostile
) -> None:
    """Resolving one reply of a 100-deep chain stores that reply (and its
    author), and walks no further up than a bounded number of parents."""
    ann = await member(warmline, "ann")
    bob = evil.actor("bob")
    reply_chain(evil, bob)
    before = await status_count(warmline)
    result = await search(ann, evil.url("/notes/0"))
    assert [s["uri"] for s in result["statuses"]] == [evil.url("/notes/0")]
    # Today no parent is fetched at all; any walk up must stay bounded.
    assert len(note_hits(evil)) <= 1 + 10, note_hits(evil)
    # The search asks for the URL twice (as an account, then as a post), and
    # never for a parent.
    assert set(note_hits(evil)) == {"/notes/0"} and len(note_hits(evil)) <= 2, note_hits(evil)
    assert await status_count(warmline) - before == 1
    stored = await status_by_uri(warmline, evil.url("/notes/0"))
    assert stored is not None and stored.in_reply_to_uri == evil.url("/notes/1")


async def test_a_delivered_reply_to_a_long_chain_fetches_a_bounded_number(
    warmline: TestClient, evil: Hostile
) -> None:
    bob = evil.actor("bob")
    reply_chain(evil, bob)
    await warmline.app[SERVICES].remote.fetch_actor(bob.id)
    evil.hits.clear()
    before = await status_count(warmline)
    doc = create_note(
        bob, id=evil.url("/notes/0"), inReplyTo=evil.url("/notes/1"), attributedTo=bob.id
    )
    assert (await deliver(warmline, bob, doc)).status == 202
    await process_inbox(warmline)
    assert len(note_hits(evil)) <= 10, note_hits(evil)
    assert note_hits(evil) == []  # today parents are not fetched
    assert await status_count(warmline) - before == 1
    assert await status_by_uri(warmline, evil.url("/notes/1")) is None
