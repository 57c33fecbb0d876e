"""Shared pieces of the attack suite (tests/security/test_attack_*.py).

* ``warmline``: Warmline at a.test (dev mode, workers off, member alice), on
  SQLite and on PostgreSQL, that may contact only 127.0.0.1 among private
  addresses (``[federation] allowed_private_addresses``), where the fake peer
  runs: every other private address is forbidden, as in production.
* ``forbidden``: listeners on 127.0.0.2 and 127.0.0.3 (forbidden addresses)
  that record every request they get; a case proves that nothing was fetched
  by asserting ``forbidden.hits == []``.
* ``nothing_changed``: a fingerprint of every row of every table in
  ``server.store.tables.metadata`` taken before and after; any table that gained,
  lost or changed a row fails the case, naming the table.
* Hand-made signatures (``cavage_headers``, ``rfc9421_headers``) for the cases
  the library signers refuse to produce: a chosen header list, a chosen
  algorithm label, a chosen key.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from fakepeer import AS2, FakePeer, RemoteActor, fake_peer
from sqlalchemy import select

from federation import keys as fkeys
from federation.digest import make_content_digest
from federation.httpsig import cavage_signing_string, http_date, make_digest
from federation.rfc9421 import extract_rfc9421
from server.app import create_app
from server.appkeys import CONFIG, DB, SERVICES
from server.config import Config, with_overrides
from server.services import members
from server.store.tables import metadata

ALICE = "http://a.test/users/alice"


# --- a Warmline that may reach only its peer -------------------------------------------


@pytest.fixture
async def peer() -> AsyncIterator[FakePeer]:
    async with fake_peer() as fake:
        yield fake


@pytest.fixture
async def warmline(
    aiohttp_client: Any, make_config: Callable[..., Config], migrated_database_url: str
) -> TestClient:
    config = make_config(domain="a.test", database_url=migrated_database_url)
    fed = replace(config.federation, allowed_private_addresses=("127.0.0.1",))
    client = await aiohttp_client(create_app(with_overrides(config, federation=fed), workers=False))
    await members.create_member(client.app[DB], "alice", display_name="Alice Archer")
    return client


async def known(client: TestClient, *actors: RemoteActor) -> None:
    """Fetch the actors (and their keys) now, so that a case's snapshot starts
    with them stored: what is measured is what the attack changes, not a cache."""
    for actor in actors:
        await client.app[SERVICES].remote.fetch_actor(actor.id)


# --- forbidden addresses that record any contact ----------------------------------------


@dataclass
class Forbidden:
    """Servers on addresses Warmline must never contact; ``url(host)`` points at one."""

    ports: dict[str, int] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    def url(self, path: str = "/x", host: str = "127.0.0.2") -> str:
        return f"http://{host}:{self.ports[host]}{path}"


@pytest.fixture
async def forbidden() -> AsyncIterator[Forbidden]:
    found = Forbidden()
    servers = []
    for host in ("127.0.0.2", "127.0.0.3"):

        async def record(request: web.Request, host: str = host) -> web.Response:
            found.hits.append(f"{request.method} {host}{request.path_qs}")
            return web.json_response(
                {"@context": {"@vocab": "https://www.w3.org/ns/activitystreams#"}},
                content_type="application/ld+json",
            )

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", record)
        server = TestServer(app, host=host, port=0)
        await server.start_server()
        servers.append(server)
        found.ports[host] = server.port
    yield found
    for server in servers:
        await server.close()


# --- nothing changed: every row of every table ------------------------------------------


async def fingerprint(client: TestClient) -> dict[str, tuple[int, str]]:
    """Per table: (row count, SHA-256 of its rows in a stable order)."""
    result: dict[str, tuple[int, str]] = {}
    async with client.app[DB].read() as conn:
        for table in metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            lines = sorted(repr(tuple(row)) for row in rows)
            digest = hashlib.sha256("\n".join(lines).encode("utf-8", "replace")).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


# Tables that may change without anything the attacker sent being kept: the
# per-process heartbeat rows (workers are off, but a process still registers),
# and the counts behind the rate limits and the sign-in throttle (a refused
# request is counted: that is what makes the next one wait).
VOLATILE = frozenset({"processes", "rate_counts", "throttle_attempts"})


@asynccontextmanager
async def nothing_changed(client: TestClient, *, ignore: Sequence[str] = ()) -> AsyncIterator[None]:
    """Whatever the block sends must leave every table as it was (row for row)."""
    skip = VOLATILE | set(ignore)
    before = await fingerprint(client)
    yield
    after = await fingerprint(client)
    changed = sorted(
        name for name in before if name not in skip and before[name] != after.get(name)
    )
    assert not changed, f"tables changed: {changed}"


# --- answers ------------------------------------------------------------------------------


async def refused_4xx(resp: Any, *expected: int) -> str:
    """A refusal: one of the ``expected`` statuses (any 4xx if none given), never 5xx."""
    text = await resp.text()
    assert resp.status < 500, f"{resp.status}: {text[:500]}"
    if expected:
        assert resp.status in expected, f"{resp.status}: {text[:500]}"
    else:
        assert 400 <= resp.status < 500, f"{resp.status}: {text[:500]}"
    return text


# --- hand-made signatures -----------------------------------------------------------------


def public_url(client: TestClient, path: str) -> str:
    return client.app[CONFIG].base_url + path


def cavage_headers(
    url: str,
    body: bytes,
    *,
    key_id: str,
    private_key: Any,
    covered: Sequence[str] = ("(request-target)", "host", "date", "digest"),
    algorithm: str = "rsa-sha256",
    at: datetime | None = None,
    host: str = "a.test",
    extra_params: str = "",
    signature: bytes | None = None,
) -> dict[str, str]:
    """A draft-cavage POST signed over exactly ``covered``, labelled ``algorithm``."""
    import base64

    headers = {
        "Host": host,
        "Date": http_date(at or datetime.now(UTC)),
        "Digest": make_digest(body),
        "Content-Type": AS2,
    }
    lowered = {k.lower(): v for k, v in headers.items()}
    if signature is None:
        base = cavage_signing_string("POST", url, lowered, list(covered))
        signature = fkeys.sign_bytes(private_key, base)
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(covered)}",'
        f'{extra_params}signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


def rfc9421_headers(
    url: str,
    body: bytes,
    *,
    key_id: str,
    private_key: Any,
    alg: str | None,
    covered: Sequence[str] = ("@method", "@target-uri", "@authority", "date", "content-digest"),
) -> dict[str, str]:
    """An RFC 9421 POST whose ``alg`` parameter says ``alg`` (or nothing), signed
    with ``private_key`` whatever it is."""
    import base64

    created = int(datetime.now(UTC).timestamp())
    headers = {
        "Host": "a.test",
        "Date": http_date(datetime.now(UTC)),
        "Content-Digest": make_content_digest(body),
        "Content-Type": AS2,
    }
    items = " ".join(f'"{name}"' for name in covered)
    params = f'created={created};keyid="{key_id}"' + (f';alg="{alg}"' if alg else "")
    headers["Signature-Input"] = f"sig1=({items});{params}"
    headers["Signature"] = "sig1=:AAAA:"
    parsed = extract_rfc9421("POST", url, headers)
    signature = fkeys.sign_bytes(private_key, parsed.base)
    headers["Signature"] = f"sig1=:{base64.b64encode(signature).decode()}:"
    return headers
