"""Signing in on the OAuth page: the throttle per username and per address, and
answers that do not tell whether a username exists."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from server.app import create_app
from server.appkeys import DB
from server.config import ApiSettings, Config, with_overrides
from server.services import members
from server.store import accounts as account_queries
from server.urls import INSTANCE_ACTOR_USERNAME

CB = "https://app.example/cb"
PASSWORD = "correct horse battery"
WRONG = "not the password"
THROTTLED = "Too many failed sign-in attempts. Try again in "


class SignInPage:
    """A browser on the sign-in page of one app (one cookie jar, one client address)."""

    def __init__(self, client: TestClient, client_id: str, headers: dict[str, str] | None = None):
        self.client = client
        self.query = {"client_id": client_id, "redirect_uri": CB, "response_type": "code"}
        self.headers = headers or {}

    def behind(self, forwarded_for: str) -> SignInPage:
        """The same page, reached through a proxy that says the client is ``forwarded_for``."""
        return SignInPage(self.client, self.query["client_id"], {"X-Forwarded-For": forwarded_for})

    async def submit(self, username: str, password: str) -> tuple[int, str, Any]:
        page = await self.client.get("/oauth/authorize", params=self.query, headers=self.headers)
        assert page.status == 200, await page.text()
        hidden = re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', await page.text()
        )
        form = {**dict(hidden), "username": username, "password": password, "decision": "approve"}
        resp = await self.client.post(
            "/oauth/authorize", data=form, allow_redirects=False, headers=self.headers
        )
        return resp.status, await resp.text(), resp.headers


async def _setup(
    aiohttp_client: Any,
    make_config: Callable[..., Config],
    database_url: str,
    *,
    trusted_proxies: tuple[str, ...] = (),
    **limits: int,
) -> SignInPage:
    """An app whose throttle has these limits, with members bob and carol (passwords set)."""
    config = make_config(domain="a.test", database_url=database_url)
    proxies = tuple(ipaddress.ip_network(p) for p in trusted_proxies)
    config = with_overrides(config, api=ApiSettings(**limits), trusted_proxies=proxies)
    client: TestClient = await aiohttp_client(create_app(config))
    for name in ("bob", "carol"):
        await members.create_member(client.app[DB], name, password=PASSWORD)
    app = await client.post(
        "/api/v1/apps", json={"client_name": "Test", "redirect_uris": CB, "scopes": "read"}
    )
    assert app.status == 200, await app.text()
    return SignInPage(client, (await app.json())["client_id"])


async def test_an_account_is_refused_after_its_failures_and_the_page_says_so(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    page = await _setup(
        aiohttp_client, make_config, database_url,
        sign_in_failures_per_account=3, sign_in_failures_per_address=0,
    )  # fmt: skip
    # "BOB" and "@bob" sign in as bob, so they count against the same username.
    for typed in ("bob", "BOB", " @bob"):
        status, body, _ = await page.submit(typed, WRONG)
        assert status == 401 and "Invalid username or password" in body
    status, body, headers = await page.submit("bob", PASSWORD)  # right, but too late
    assert status == 429
    assert "text/html" in headers["Content-Type"]
    assert THROTTLED in body and "Invalid username or password" not in body
    assert 'name="password"' in body and 'value="bob"' in body  # the form, to try later
    assert 0 < int(headers["Retry-After"]) <= 900  # the lockout, 15 minutes
    # Another member signs in from the same address.
    status, _, headers = await page.submit("carol", PASSWORD)
    assert status == 302 and headers["Location"].startswith(CB + "?code=")
    # A username nobody has is counted and refused the same way.
    for _ in range(3):
        assert (await page.submit("nobody", WRONG))[0] == 401
    status, body, _ = await page.submit("nobody", WRONG)
    assert status == 429 and THROTTLED in body


async def test_an_address_is_refused_after_its_failures_whatever_the_usernames(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    page = await _setup(
        aiohttp_client, make_config, database_url,
        sign_in_failures_per_account=100, sign_in_failures_per_address=3,
    )  # fmt: skip
    for typed in ("bob", "carol", "nobody"):
        assert (await page.submit(typed, WRONG))[0] == 401
    # Every username is refused from this address now, the right password too.
    for typed in ("carol", "someone"):
        status, body, headers = await page.submit(typed, PASSWORD)
        assert status == 429 and THROTTLED in body and "text/html" in headers["Content-Type"]


async def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    # The test client connects from 127.0.0.1: the trusted proxy here.
    page = await _setup(
        aiohttp_client, make_config, database_url, trusted_proxies=("127.0.0.1/32",),
        sign_in_failures_per_account=100, sign_in_failures_per_address=3,
    )  # fmt: skip
    # What a client writes left of the proxy's entry is not believed.
    guesser = page.behind("198.51.100.1, 203.0.113.7")
    for typed in ("bob", "carol", "nobody"):
        assert (await guesser.submit(typed, WRONG))[0] == 401
    assert (await page.behind("10.9.9.9, 203.0.113.7").submit("carol", PASSWORD))[0] == 429
    # Another client behind the same proxy signs in.
    assert (await page.behind("203.0.113.8").submit("carol", PASSWORD))[0] == 302


async def test_without_trusted_proxies_x_forwarded_for_is_ignored(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    page = await _setup(
        aiohttp_client, make_config, database_url,
        sign_in_failures_per_account=100, sign_in_failures_per_address=3,
    )  # fmt: skip
    for n, typed in enumerate(("bob", "carol", "nobody")):  # a new "address" each time
        assert (await page.behind(f"203.0.113.{n}").submit(typed, WRONG))[0] == 401
    assert (await page.behind("203.0.113.99").submit("carol", PASSWORD))[0] == 429


async def test_a_successful_sign_in_clears_the_account_count(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    page = await _setup(
        aiohttp_client, make_config, database_url,
        sign_in_failures_per_account=3, sign_in_failures_per_address=10,
    )  # fmt: skip
    for _ in range(2):
        for _ in range(2):
            assert (await page.submit("bob", WRONG))[0] == 401
        # Without the reset the second round's failures would make four: refused.
        assert (await page.submit("bob", PASSWORD))[0] == 302
    # A success forgives only its own attempt at the address: its four failures stand.
    for typed in ("carol", "carol", "nobody", "nobody", "x", "y"):
        assert (await page.submit(typed, WRONG))[0] == 401
    assert (await page.submit("bob", PASSWORD))[0] == 429


async def test_an_unknown_username_is_answered_like_a_wrong_password(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    page = await _setup(aiohttp_client, make_config, database_url)
    db = page.client.app[DB]
    await members.create_member(db, "nopass")  # a member without a password
    suspended = await members.create_member(db, "gone", password=PASSWORD)
    async with db.transaction() as conn:
        now = datetime.now(UTC)
        await account_queries.update_account(conn, suspended.id, {"suspended_at": now})
    answers = set()
    for typed, password in (
        ("bob", WRONG),
        ("nobody", WRONG),
        ("nopass", WRONG),
        ("gone", PASSWORD),
        ("not a username!", WRONG),
        (INSTANCE_ACTOR_USERNAME, WRONG),
    ):
        status, body, headers = await page.submit(typed, password)
        body = body.replace(f'value="{typed}"', 'value="TYPED"')
        answers.add((status, headers["Content-Type"], body))
    assert len(answers) == 1
    status, _, body = answers.pop()
    assert status == 401 and "Invalid username or password" in body


@pytest.mark.real_password_hashing
async def test_a_password_hashed_with_old_parameters_is_rehashed_at_sign_in(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    page = await _setup(aiohttp_client, make_config, database_url)
    db = page.client.app[DB]
    async with db.read() as conn:
        bob, current = await account_queries.get_local_credentials(conn, "bob")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    async with db.transaction() as conn:
        await account_queries.set_password_hash(conn, bob.id, weak)
    assert (await page.submit("bob", WRONG))[0] == 401  # a failure changes nothing
    async with db.read() as conn:
        assert await account_queries.get_password_hash(conn, bob.id) == weak
    assert (await page.submit("bob", PASSWORD))[0] == 302
    async with db.read() as conn:
        rehashed = await account_queries.get_password_hash(conn, bob.id)
    assert rehashed != weak and not PasswordHasher().check_needs_rehash(rehashed)
    assert rehashed.split("$")[3] == current.split("$")[3]  # today's parameters
    assert (await page.submit("bob", PASSWORD))[0] == 302
