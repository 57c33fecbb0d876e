"""Prometheus metrics at /metrics (server/metrics/): off by default, counted by
route pattern, queue figures read from the database, inbox refusals by reason,
delivery outcomes; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from apiclient import member
from fakepeer import AS2, FakePeer, fake_peer
from prometheus_client.parser import text_string_to_metric_families
from queuerows import EXPECTED, add_queue_rows
from sqlalchemy import insert
from streamclient import connect, subscribed

from federation.httpsig import sign_cavage
from server.app import create_app
from server.appkeys import CONFIG, DB, SERVICES
from server.config import Config, FederationSettings, MetricsSettings, with_overrides
from server.services import domain_blocks, members
from server.store import queues as q
from server.store.tables import activities, hosts
from server.workers.delivery import DeliveryWorker

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
Start = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def start(aiohttp_client: Any, make_config: Callable[..., Config], database_url: str) -> Start:
    async def run(federation: FederationSettings | None = None, **metrics: Any) -> TestClient:
        config = make_config(domain="a.test", database_url=database_url)
        config = with_overrides(config, metrics=MetricsSettings(**metrics))
        if federation is not None:
            config = with_overrides(config, federation=federation)
        return await aiohttp_client(create_app(config, workers=False))

    return run


@pytest.fixture
async def peer() -> AsyncIterator[FakePeer]:
    async with fake_peer() as fake:
        yield fake


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(client: TestClient, **headers: str) -> Samples:
    resp = await client.get("/metrics", headers=headers)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "text/plain"
    return parse(await resp.text())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_are_off_by_default_and_metrics_is_then_unknown(start: Start) -> None:
    client = await start()
    resp = await client.get("/metrics")
    assert resp.status == 404
    assert "error" in await resp.json()


async def test_requests_are_counted_and_timed_by_route_pattern_never_by_path(start: Start) -> None:
    client = await start(enabled=True)
    await members.create_member(client.app[DB], "alice")
    for _ in range(3):
        assert (await client.get("/healthz")).status == 200
    assert (await client.get("/users/alice", headers={"Accept": AS2})).status == 200
    assert (await client.get("/users/nobody-here", headers={"Accept": AS2})).status == 404
    assert (await client.get("/no/such/path/12345")).status == 404

    text = await (await client.get("/metrics")).text()
    samples = parse(text)
    requests = "warmline_http_requests_total"
    assert value(samples, requests, route="/healthz", method="GET", status="200") == 3
    actor = {"route": "/users/{username}", "method": "GET"}
    assert value(samples, requests, **actor, status="200") == 1
    assert value(samples, requests, **actor, status="404") == 1
    assert value(samples, requests, route="(unmatched)", method="", status="404") == 1
    assert "nobody-here" not in text and "12345" not in text  # paths never become labels
    duration = "warmline_http_request_duration_seconds"
    assert value(samples, f"{duration}_count", route="/healthz", method="GET") == 3
    assert value(samples, f"{duration}_bucket", route="/healthz", method="GET", le="+Inf") == 3
    assert value(samples, "process_resident_memory_bytes") > 0


async def test_queue_depths_ages_and_hosts_are_read_from_the_database(start: Start) -> None:
    client = await start(enabled=True, cache_seconds=0)
    await add_queue_rows(client.app[DB], datetime.now(UTC))
    samples = await scrape(client)
    for queue, figures in EXPECTED.items():
        for name, want in figures.items():
            assert value(samples, f"warmline_queue_{name}", queue=queue) == want, (queue, name)
    age = value(samples, "warmline_queue_oldest_waiting_age_seconds", queue="deliveries")
    assert 7200 <= age < 7200 + 600
    assert 60 <= value(samples, "warmline_queue_lag_seconds", queue="deliveries") < 660
    assert value(samples, "warmline_queue_oldest_waiting_age_seconds", queue="archives") == 0
    for state in ("backing_off", "circuit_open", "given_up"):
        assert value(samples, "warmline_hosts", state=state) == 1, state
    dialect = client.app[DB].dialect
    assert value(samples, "warmline_db_pool_size", dialect=dialect) >= 1
    assert ("warmline_db_pool_checked_out", frozenset({("dialect", dialect)})) in samples
    assert value(samples, "warmline_streaming_connections") == 0


async def test_database_figures_are_reused_for_cache_seconds(start: Start) -> None:
    client = await start(enabled=True, cache_seconds=3600)
    before = await scrape(client)
    await add_queue_rows(client.app[DB], datetime.now(UTC))
    after = await scrape(client)
    assert value(before, "warmline_queue_waiting", queue="inbox") == 0
    assert value(after, "warmline_queue_waiting", queue="inbox") == 0  # not read again yet


def _signed(client: TestClient, key_id: str, key: Any, path: str, body: bytes) -> dict[str, str]:
    headers = {"Host": "a.test", "Content-Type": AS2}
    url = client.app[CONFIG].base_url + path
    return {**headers, **sign_cavage("POST", url, headers, body, key_id=key_id, private_key=key)}


def _follow(actor_id: str) -> bytes:
    doc = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor_id}#follow-1",
        "type": "Follow",
        "actor": actor_id,
        "object": "http://a.test/users/alice",
    }
    return json.dumps(doc).encode()


async def test_refused_deliveries_are_counted_by_reason(start: Start, peer: FakePeer) -> None:
    client = await start(enabled=True)
    await members.create_member(client.app[DB], "alice")
    bob = peer.add("bob")
    body = _follow(bob.id)

    answers = [
        await client.post("/inbox", data=b"{not json", headers={"Content-Type": AS2}),
        await client.post("/inbox", data=body, headers={"Content-Type": AS2}),  # unsigned
        await client.post("/users/nobody/inbox", data=body, headers={"Content-Type": AS2}),
    ]
    signed = _signed(client, bob.key_id, bob.rsa, "/users/alice/inbox", body)
    answers.append(await client.post("/users/alice/inbox", data=body, headers=signed))
    await domain_blocks.block(client.app[SERVICES], peer.host, severity="suspend")
    signed = _signed(client, bob.key_id, bob.rsa, "/inbox", body)
    answers.append(await client.post("/inbox", data=body, headers=signed))
    assert [a.status for a in answers] == [400, 401, 404, 202, 403]

    samples = await scrape(client)
    refusals = "warmline_inbox_refusals_total"
    counted = {reason: value(samples, refusals, reason=reason) for reason in
               ("bad_json", "signature", "no_such_inbox", "blocked", "rate_limited")}  # fmt: skip
    assert counted == {
        "bad_json": 1, "signature": 1, "no_such_inbox": 1, "blocked": 1, "rate_limited": 0,
    }  # fmt: skip
    inbox = {"route": "/users/{username}/inbox", "method": "POST"}
    assert value(samples, "warmline_http_requests_total", **inbox, status="202") == 1
    assert value(samples, "warmline_http_requests_total", **inbox, status="404") == 1


async def test_a_delivery_over_the_actors_limit_is_counted_as_rate_limited(
    start: Start, peer: FakePeer
) -> None:
    client = await start(FederationSettings(inbox_per_actor_per_minute=1), enabled=True)
    await members.create_member(client.app[DB], "alice")
    bob = peer.add("bob")
    statuses = []
    for n in (1, 2):
        body = _follow(bob.id).replace(b"#follow-1", f"#follow-{n}".encode())
        signed = _signed(client, bob.key_id, bob.rsa, "/inbox", body)
        statuses.append((await client.post("/inbox", data=body, headers=signed)).status)
    assert statuses == [202, 429]
    samples = await scrape(client)
    assert value(samples, "warmline_inbox_refusals_total", reason="rate_limited") == 1
    assert value(samples, "warmline_inbox_refusals_total", reason="signature") == 0


async def test_delivery_outcomes_are_counted_where_the_worker_records_them(start: Start) -> None:
    client = await start(enabled=True)
    svc = client.app[SERVICES]
    alice = await members.create_member(client.app[DB], "alice")
    now = svc.now()
    await domain_blocks.block(svc, "blocked.test", severity="suspend")
    async with svc.db.transaction() as conn:
        await conn.execute(
            insert(activities).values(
                id=2, uri="http://a.test/activities/2", account_id=alice.id, type="Create",
                payload="{}", public=True, created_at=now,
            )
        )  # fmt: skip
        await conn.execute(
            insert(hosts).values(
                host="open.test",
                consecutive_failures=9,
                circuit_open_until=now.replace(year=now.year + 1),
            )
        )
        targets = [
            (10, "http://blocked.test/inbox", "blocked.test"),
            (11, "http://open.test/inbox", "open.test"),
            (12, "http://127.0.0.1:9/inbox", "127.0.0.1:9"),  # nothing listens: retried
        ]
        await q.insert_deliveries(conn, 2, targets, now)
    assert await DeliveryWorker(svc, svc.http).run_once() == 3

    samples = await scrape(client)
    outcomes = {o: value(samples, "warmline_deliveries_total", outcome=o) for o in
                ("delivered", "retry", "gave_up", "blocked", "postponed")}  # fmt: skip
    assert outcomes == {"delivered": 0, "retry": 1, "gave_up": 0, "blocked": 1, "postponed": 1}


async def test_a_bearer_token_guards_the_metrics(start: Start) -> None:
    client = await start(enabled=True, bearer_token="s3cret-token")
    for given in ({}, {"Authorization": "Bearer wrong"}):
        resp = await client.get("/metrics", headers=given)
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert "bearer_token" in (await resp.json())["error"]
    samples = await scrape(client, Authorization="Bearer s3cret-token")
    assert value(samples, "warmline_http_requests_total", route="/metrics", method="GET",
                 status="401") == 2  # fmt: skip


async def test_open_streams_are_counted(start: Start) -> None:
    client = await start(enabled=True)
    bob = await member(client, "bob")
    async with await connect(bob, "user") as ws:
        await subscribed(client, ("user",))
        assert value(await scrape(client), "warmline_streaming_connections") == 1
        await ws.close()
    for _ in range(200):  # the server notices the close a moment later
        if value(await scrape(client), "warmline_streaming_connections") == 0:
            break
        await asyncio.sleep(0.01)
    assert value(await scrape(client), "warmline_streaming_connections") == 0
    # A stream its client closed counts as nginx counts it: 499, the client went away.
    streaming = {"route": "/api/v1/streaming", "method": "GET"}
    assert (
        value(await scrape(client), "warmline_http_requests_total", **streaming, status="499") == 1
    )
