"""Conventions apps depend on: CORS for browser apps, rate-limit headers and 429s."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestClient
from apiclient import member

from server.app import create_app
from server.appkeys import SERVICES
from server.config import ApiSettings, Config, with_overrides
from server.services import tokens


async def test_api_answers_allow_any_origin_and_expose_paging_and_limits(start: Any) -> None:
    client = await start()
    alice = await member(client, "alice")
    resp = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {alice.token}", "Origin": "https://elk.example"},
    )
    assert resp.status == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    exposed = resp.headers["Access-Control-Expose-Headers"]
    assert "Link" in exposed and "X-RateLimit-Remaining" in exposed
    assert resp.headers["X-RateLimit-Limit"] == "300"
    assert int(resp.headers["X-RateLimit-Remaining"]) == 299
    assert resp.headers["X-RateLimit-Reset"].endswith("Z")
    # Refusals carry them too, so a browser app can read the error.
    refused = await client.get("/api/v1/accounts/verify_credentials")
    assert refused.status == 401 and refused.headers["Access-Control-Allow-Origin"] == "*"
    # Pages and federation are not the API.
    page = await client.get("/")
    assert "Access-Control-Allow-Origin" not in page.headers
    assert "X-RateLimit-Limit" not in page.headers


async def test_preflight_requests_are_answered(start: Any) -> None:
    client = await start()
    resp = await client.options(
        "/api/v1/statuses",
        headers={
            "Origin": "https://phanpy.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, idempotency-key",
        },
    )
    assert resp.status == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    allowed = resp.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "idempotency-key" in allowed
    token = await client.options(
        "/oauth/token",
        headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"},
    )
    assert token.status == 204


async def test_past_the_rate_limit_is_a_429_per_token(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    config = make_config(domain="a.test", database_url=database_url)
    config = with_overrides(config, api=ApiSettings(rate_limit_requests=3))
    client: TestClient = await aiohttp_client(create_app(config))
    alice, bob = await member(client, "alice"), await member(client, "bob")
    for left in (2, 1, 0):
        resp = await client.get(
            "/api/v1/timelines/home", headers={"Authorization": f"Bearer {alice.token}"}
        )
        assert resp.status == 200 and resp.headers["X-RateLimit-Remaining"] == str(left)
    resp = await client.get(
        "/api/v1/timelines/home", headers={"Authorization": f"Bearer {alice.token}"}
    )
    assert resp.status == 429
    assert (await resp.json())["error"] == "Too many requests"
    assert resp.headers["X-RateLimit-Remaining"] == "0"
    # Another member's token has its own budget.
    other = await client.get(
        "/api/v1/timelines/home", headers={"Authorization": f"Bearer {bob.token}"}
    )
    assert other.status == 200


async def test_a_member_has_one_allowance_whatever_tokens_they_use(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    config = make_config(domain="a.test", database_url=database_url)
    limits = ApiSettings(rate_limit_requests=100, rate_limit_requests_per_account=4)
    client: TestClient = await aiohttp_client(create_app(with_overrides(config, api=limits)))
    alice = await member(client, "alice")
    db = client.app[SERVICES].db
    tokens_of_alice = [alice.token] + [await tokens.create_token(db, "alice") for _ in range(3)]
    for token in tokens_of_alice:  # four tokens, one request each: her four
        resp = await client.get("/api/v1/timelines/home", headers=bearer(token))
        assert resp.status == 200
    fresh = await tokens.create_token(db, "alice")
    refused = await client.get("/api/v1/timelines/home", headers=bearer(fresh))
    assert refused.status == 429
    assert (await refused.json())["error"] == "Too many requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 300
    # The token's own count still has room: it is the member who is over.
    assert refused.headers["X-RateLimit-Remaining"] == "99"
    # Reading public things without a token is counted per address, not against her.
    public = await client.get("/api/v1/timelines/public")
    assert public.status == 200


async def test_a_refused_request_says_when_to_come_back(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    config = make_config(domain="a.test", database_url=database_url)
    config = with_overrides(config, api=ApiSettings(rate_limit_requests=1))
    client: TestClient = await aiohttp_client(create_app(config))
    assert (await client.get("/api/v1/instance")).status == 200
    refused = await client.get("/api/v1/instance")
    assert refused.status == 429 and 1 <= int(refused.headers["Retry-After"]) <= 300
    assert refused.headers["Access-Control-Allow-Origin"] == "*"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
