"""Remote actors and keys: authority comes only from the origin that served them.

Two "peers" are plain aiohttp servers on loopback ports (two origins) serving
hand-made documents, some of them hostile. Our RemoteActors fetches from them
over real HTTP and must keep only what each origin may vouch for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation import keys as fkeys
from federation.errors import FetchError, SignatureError
from federation.netguard import AddressPolicy, make_session
from server.config import load_config
from server.services.remote import RemoteActors
from server.store import Database
from server.store import accounts as q


class Peer:
    """A fake remote origin: serves whatever documents the test puts in ``docs``."""

    def __init__(self) -> None:
        self.docs: dict[str, Any] = {}
        self.redirects: dict[str, str] = {}
        self.hits: list[str] = []
        self.server: TestServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.hits.append(request.path)
        if request.path in self.redirects:
            raise web.HTTPFound(self.redirects[request.path])
        if request.path not in self.docs:
            raise web.HTTPNotFound()
        return web.json_response(self.docs[request.path], content_type="application/activity+json")


def actor(base: str, username: str, pem: str, **extra: Any) -> dict[str, Any]:
    actor_id = f"{base}/users/{username}"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor_id,
        "type": "Person",
        "preferredUsername": username,
        "inbox": f"{actor_id}/inbox",
        "publicKey": {"id": f"{actor_id}#main-key", "owner": actor_id, "publicKeyPem": pem},
        **extra,
    }


@pytest.fixture
def pem() -> Callable[[], str]:
    return lambda: fkeys.public_key_to_pem(fkeys.generate_rsa())


@pytest.fixture
async def peers() -> AsyncIterator[tuple[Peer, Peer]]:
    made = []
    for _ in range(2):
        peer = Peer()
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", peer.handle)
        peer.server = TestServer(app, host="127.0.0.1")
        await peer.server.start_server()
        made.append(peer)
    yield made[0], made[1]
    for peer in made:
        assert peer.server is not None
        await peer.server.close()


class Clock:
    """A clock the test moves forward by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def remote(db: Database, tmp_path: Any, clock: Clock) -> AsyncIterator[RemoteActors]:
    config = load_config(environ={}, dev=True, domain="us.test", data=str(tmp_path))
    session = make_session(AddressPolicy(allow_private=True), user_agent="test")

    def unsigned(method: str, url: str, headers: Any, body: bytes | None) -> dict[str, str]:
        return {}

    yield RemoteActors(db, session, config, unsigned, clock=clock)
    await session.close()


async def stored_uris(db: Database) -> list[str | None]:
    async with db.read() as conn:
        rows = await conn.exec_driver_sql("SELECT uri FROM accounts ORDER BY uri")
        return [r[0] for r in rows]


async def test_actor_and_key_are_fetched_once_then_cached(
    peers: tuple[Peer, Peer], remote: RemoteActors, pem: Callable[[], str], db: Database
) -> None:
    a, _ = peers
    key_pem = pem()
    a.docs["/users/x"] = actor(a.base, "x", key_pem, name="Ex")
    info = await remote.get_key(f"{a.base}/users/x#main-key")
    assert info.owner == f"{a.base}/users/x"
    assert fkeys.public_key_to_pem(info.public_key) == key_pem
    again = await remote.get_key(f"{a.base}/users/x#main-key")
    assert again.owner == info.owner
    assert a.hits == ["/users/x"]
    account = await remote.fetch_actor(f"{a.base}/users/x")
    assert account.display_name == "Ex" and a.hits == ["/users/x"]


async def test_a_rotated_key_is_picked_up_on_refresh_at_most_once_a_minute(
    peers: tuple[Peer, Peer], remote: RemoteActors, pem: Callable[[], str], clock: Clock
) -> None:
    a, _ = peers
    key_id = f"{a.base}/users/x#main-key"
    a.docs["/users/x"] = actor(a.base, "x", first_pem := pem())
    await remote.get_key(key_id)
    a.docs["/users/x"] = actor(a.base, "x", new_pem := pem())
    # Just fetched: a refresh asked for now is served from the cache (no hammering).
    info = await remote.get_key(key_id, refresh=True)
    assert fkeys.public_key_to_pem(info.public_key) == first_pem and a.hits == ["/users/x"]
    # A minute later the refresh goes to the origin and finds the rotated key.
    clock.now += timedelta(minutes=2)
    info = await remote.get_key(key_id, refresh=True)
    assert fkeys.public_key_to_pem(info.public_key) == new_pem
    # ...and the new key is what later lookups get, from memory.
    assert fkeys.public_key_to_pem((await remote.get_key(key_id)).public_key) == new_pem
    assert a.hits == ["/users/x", "/users/x"]


async def test_an_actor_whose_id_is_on_another_origin_is_refused(
    peers: tuple[Peer, Peer], remote: RemoteActors, pem: Callable[[], str], db: Database
) -> None:
    a, b = peers
    a.docs["/users/x"] = actor(b.base, "x", pem())  # A serves a document claiming to be B's
    with pytest.raises(FetchError, match="not on the origin"):
        await remote.fetch_actor(f"{a.base}/users/x")
    assert await stored_uris(db) == []


async def test_a_key_the_actor_does_not_list_is_refused(
    peers: tuple[Peer, Peer], remote: RemoteActors, pem: Callable[[], str]
) -> None:
    a, _ = peers
    a.docs["/users/x"] = actor(a.base, "x", pem())
    with pytest.raises(SignatureError, match="does not list the key"):
        await remote.get_key(f"{a.base}/users/x#other-key")


async def test_a_separate_key_document_leads_to_its_owner(
    peers: tuple[Peer, Peer], remote: RemoteActors, pem: Callable[[], str]
) -> None:
    a, _ = peers
    key_pem = pem()
    owner = f"{a.base}/users/x"
    doc = actor(a.base, "x", key_pem)
    doc["publicKey"]["id"] = f"{owner}/main-key"
    a.docs["/users/x"] = doc
    a.docs["/users/x/main-key"] = {
        "id": f"{owner}/main-key",
        "owner": owner,
        "publicKeyPem": key_pem,
    }
    info = await remote.get_key(f"{owner}/main-key")
    assert info.owner == owner


async def test_a_key_document_naming_an_owner_elsewhere_is_refused(
    peers: tuple[Peer, Peer], remote: RemoteActors, pem: Callable[[], str], db: Database
) -> None:
    a, b = peers
    key_pem = pem()
    b.docs["/users/victim"] = actor(b.base, "victim", key_pem)
    a.docs["/keys/k"] = {
        "id": f"{a.base}/keys/k",
        "owner": f"{b.base}/users/victim",
        "publicKeyPem": key_pem,
    }
    with pytest.raises(SignatureError, match="no owner on its own origin"):
        await remote.get_key(f"{a.base}/keys/k")
    assert b.hits == []


async def test_a_redirect_cannot_lend_one_origin_authority_over_anothers_key(
    peers: tuple[Peer, Peer], remote: RemoteActors, pem: Callable[[], str], db: Database
) -> None:
    a, b = peers
    # A redirects its actor to B; B's document claims a key id on A.
    a.redirects["/users/x"] = f"{b.base}/users/x"
    doc = actor(b.base, "x", pem())
    doc["publicKey"]["id"] = f"{a.base}/users/x#main-key"
    b.docs["/users/x"] = doc
    with pytest.raises(SignatureError):
        await remote.get_key(f"{a.base}/users/x#main-key")
    async with db.read() as conn:
        assert await q.get_remote_key(conn, f"{a.base}/users/x#main-key") is None


async def test_an_invalid_actor_document_is_refused_and_not_stored(
    peers: tuple[Peer, Peer], remote: RemoteActors, db: Database
) -> None:
    a, _ = peers
    a.docs["/users/x"] = {"id": "not a url", "type": "Person"}
    with pytest.raises(Exception, match="absolute"):
        await remote.fetch_actor(f"{a.base}/users/x")
    assert await stored_uris(db) == []


async def test_a_missing_actor_is_a_non_retryable_fetch_error(
    peers: tuple[Peer, Peer], remote: RemoteActors
) -> None:
    a, _ = peers
    with pytest.raises(FetchError) as info:
        await remote.fetch_actor(f"{a.base}/users/ghost")
    assert info.value.status == 404 and not info.value.retryable
