"""Fixtures for tests that drive one Warmline app in-process over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from webclient import Browser

from server.app import create_app
from server.appkeys import DB
from server.config import Config
from server.services import members

ClientFactory = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def start(
    aiohttp_client: Any, make_config: Callable[..., Config], migrated_database_url: str
) -> ClientFactory:
    """Start an app (dev mode, domain a.test unless told otherwise) and return its client.

    Every app test runs twice: on SQLite and on PostgreSQL. The database is the
    test's own, already migrated (tests that start an app on an empty database,
    so that it migrates at start-up, take ``database_url`` and do it themselves)."""

    async def run(**overrides: Any) -> TestClient:
        overrides.setdefault("domain", "a.test")
        overrides.setdefault("database_url", migrated_database_url)
        return await aiohttp_client(create_app(make_config(**overrides)))

    return run


@pytest.fixture
async def client(start: ClientFactory) -> TestClient:
    """A running app with one member, alice."""
    test_client = await start()
    db = test_client.app[DB]
    await members.create_member(db, "alice", display_name="Alice Archer")
    return test_client


@pytest.fixture
async def browsers(client: TestClient) -> AsyncIterator[Callable[[], Awaitable[Browser]]]:
    """Browsers (each with its own cookies) on the ``client`` app (see tests/webclient.py)."""
    opened: list[TestClient] = []

    async def open_browser() -> Browser:
        other = TestClient(client.server)
        await other.start_server()
        opened.append(other)
        return Browser(other)

    yield open_browser
    for other in opened:
        await other.session.close()  # not other.close(): the server is the fixture's
