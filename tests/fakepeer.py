"""A fake remote ActivityPub server for tests: actors with real keys on a loopback port.

It serves each actor's document (public keys included) so Warmline can fetch and
verify them; tests sign activities with the actors' private keys.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from federation import keys as fkeys

AS2 = "application/activity+json"
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"


@dataclass
class RemoteActor:
    """An account on the fake peer, with the private key it signs with."""

    id: str
    rsa: Any
    ed25519: Any
    extra: dict[str, Any] = field(default_factory=dict)  # more of its document

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"

    @property
    def ed25519_key_id(self) -> str:
        return f"{self.id}#ed25519-key"

    @property
    def origin(self) -> str:
        return self.id.split("/users/", 1)[0]

    def document(self) -> dict[str, Any]:
        return {
            "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
            "id": self.id,
            "type": "Person",
            "preferredUsername": self.id.rsplit("/", 1)[1],
            "inbox": f"{self.id}/inbox",
            "outbox": f"{self.id}/outbox",
            "followers": f"{self.id}/followers",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.id,
                "publicKeyPem": fkeys.public_key_to_pem(self.rsa),
            },
            "assertionMethod": [
                {
                    "id": self.ed25519_key_id,
                    "type": "Multikey",
                    "controller": self.id,
                    "publicKeyMultibase": fkeys.public_key_to_multibase(self.ed25519),
                }
            ],
            **self.extra,
        }


class FakePeer:
    """Another server on a loopback port that serves its actors' documents."""

    def __init__(self) -> None:
        self.actors: dict[str, RemoteActor] = {}
        self.fetched: list[str] = []
        self.server: TestServer | None = None

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def host(self) -> str:
        return self.origin.removeprefix("http://")

    def add(self, username: str) -> RemoteActor:
        actor = RemoteActor(
            f"{self.origin}/users/{username}", fkeys.generate_rsa(), fkeys.generate_ed25519()
        )
        self.actors[actor.id.rsplit("/", 1)[1]] = actor
        return actor

    async def serve_actor(self, request: web.Request) -> web.Response:
        self.fetched.append(request.path)
        actor = self.actors.get(request.match_info["name"])
        if actor is None:
            raise web.HTTPNotFound()
        return web.json_response(actor.document(), content_type=AS2)


@asynccontextmanager
async def fake_peer() -> AsyncIterator[FakePeer]:
    fake = FakePeer()
    app = web.Application()
    app.router.add_get("/users/{name}", fake.serve_actor)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    try:
        yield fake
    finally:
        await fake.server.close()
