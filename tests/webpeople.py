"""Helpers for page tests about people and their ties (tests/app/test_web_network.py,
test_web_notifications.py, test_web_search.py): members with passwords, connections,
a browser signed in as anyone, and a page's words."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient
from webclient import Browser, member_with_password

from server.appkeys import DB
from server.services import connections, members
from server.services.context import Services
from server.store.accounts import AccountRow

HTMX = {"HX-Request": "true"}
People = dict[str, AccountRow]
SignedIn = Callable[[str], Awaitable[Browser]]


async def people(client: TestClient, *names: str) -> People:
    """Members (with the test password) by name."""
    found = {}
    for name in names:
        await member_with_password(client, name)
        found[name] = await members.get_member(client.app[DB], name)
    return found


async def connect(svc: Services, a: AccountRow, b: AccountRow, note: str = "") -> None:
    row = await connections.request(svc, a, b, note)
    await connections.answer(svc, b, row.id, accept=True)


def text_of(page: str) -> str:
    """A page's words, without tags or the spaces they leave (sentences across tags)."""
    words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    return re.sub(r" ([.,;:’”])", r"\1", words).replace("“ ", "“")


@pytest.fixture(name="signed_in")
def signed_in_fixture(browsers: Callable[[], Awaitable[Browser]]) -> SignedIn:
    """A browser of its own (its own cookies), signed in as the member named."""

    async def open_as(name: str) -> Browser:
        browser = await browsers()
        await browser.sign_in(name)
        return browser

    return open_as
