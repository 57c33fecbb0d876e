# ruff: noqa: F811  (fixtures imported from attackkit)
"""Attack suite: script and unsafe links in everything a remote peer writes
(a note's content, summary and name; an actor's name, summary and
PropertyValue attachments), as shown through the API and the web pages.

HTML fields of the API (``content``, ``note``, ``fields[].value``) must be
sanitised (no script, no event handler, no ``javascript:`` link); plain-text
fields (``display_name``, ``spoiler_text``, ``fields[].name``) may carry the
text as text (clients escape it, as with Mastodon) but never as live markup
in our pages.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from fakepeer import FakePeer
from webclient import Browser, member_with_password

from server.appkeys import DB
from server.store import accounts as accounts_q
from tests.app.test_inbox_door import create_note, deliver, process_inbox, status_by_uri
from tests.security.attackkit import peer, warmline  # noqa: F401 (fixtures)

SCRIPT = "<script>alert('x')</script>"
JS_LINK = '<a href="javascript:alert(1)">click</a>'
JS_LINK_ENCODED = '<a href="jav&#x09;ascript:alert(1)">click2</a>'
HANDLER = '<img src="x" onerror="alert(1)"><b onmouseover="alert(2)">hover</b>'
SVG = '<svg onload="alert(3)"></svg><iframe src="javascript:alert(4)"></iframe>'
STYLE = '<p style="background:url(javascript:alert(5))">styled</p>'
EVIL = SCRIPT + JS_LINK + JS_LINK_ENCODED + HANDLER + SVG + STYLE

LIVE = [
    re.compile(r"<script", re.I),
    re.compile(r"<iframe", re.I),
    re.compile(r"<svg", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"(href|src)\s*=\s*[\"']?\s*(j|&#)[^\"'>]*a[^\"'>]*script", re.I),
    re.compile(r"javascript:", re.I),
    re.compile(r"style\s*=\s*[\"'][^\"']*javascript", re.I),
]


# In a whole page (which has scripts and SVG icons of its own): the payload's
# own markup, live.
LIVE_IN_PAGE = [
    re.compile(r"<script>alert", re.I),
    re.compile(r"<svg onload", re.I),
    re.compile(r"<iframe", re.I),
    re.compile(r"\son(error|mouseover|load)\s*=", re.I),
    re.compile(r"(href|src)\s*=\s*[\"']?\s*jav", re.I),
    re.compile(r"javascript:alert", re.I),
]


def live_markup(html: str, patterns: list[re.Pattern[str]] = LIVE) -> list[str]:
    return [pattern.pattern for pattern in patterns if pattern.search(html)]


async def _hostile_actor_and_note(client: TestClient, peer: FakePeer) -> tuple[Any, Any]:
    bob = peer.add("bob")
    bob.extra = {
        "name": f"Bob {SCRIPT}{HANDLER}",
        "summary": f"<p>About me</p>{EVIL}",
        "attachment": [
            {"type": "PropertyValue", "name": f"Site{SCRIPT}", "value": EVIL},
            {"type": "PropertyValue", "name": "Link", "value": JS_LINK},
        ],
    }
    doc = create_note(bob, text=f"Hello @alice {EVIL}", summary=f"CW {SCRIPT}", name=SCRIPT)
    assert (await deliver(client, bob, doc)).status == 202
    assert await process_inbox(client) == 1
    status = await status_by_uri(client, doc["object"]["id"])
    assert status is not None
    async with client.app[DB].read() as conn:
        account = await accounts_q.get_account_by_uri(conn, bob.id)
    assert account is not None
    return account, status


async def test_api_account_fields_are_sanitised(warmline: TestClient, peer: FakePeer) -> None:
    account, _ = await _hostile_actor_and_note(warmline, peer)
    resp = await warmline.get(f"/api/v1/accounts/{account.id}")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert live_markup(body["note"]) == [], body["note"]
    for field in body["fields"]:
        assert live_markup(field["value"]) == [], field
    assert "About me" in body["note"]


async def test_api_status_content_is_sanitised(warmline: TestClient, peer: FakePeer) -> None:
    _, status = await _hostile_actor_and_note(warmline, peer)
    resp = await warmline.get(f"/api/v1/statuses/{status.id}")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert live_markup(body["content"]) == [], body["content"]
    assert "Hello" in body["content"]
    assert live_markup(body["account"]["note"]) == []
    for field in body["account"]["fields"]:
        assert live_markup(field["value"]) == [], field


async def _pages(client: TestClient, account: Any, status: Any) -> dict[str, str]:
    await member_with_password(client, "viewer")
    browser = Browser(client)
    await browser.sign_in("viewer")
    acct = f"{account.username}@{account.domain}"
    pages = {}
    for path in (f"/@{acct}", f"/posts/{status.id}", "/", "/notifications"):
        resp = await client.get(path, headers={"Accept": "text/html"})
        assert resp.status < 500, path
        if resp.status == 200:
            pages[path] = await resp.text()
    return pages


@pytest.mark.parametrize("page", ["profile", "post"])
async def test_pages_never_carry_live_markup_from_a_peer(
    warmline: TestClient, peer: FakePeer, page: str
) -> None:
    account, status = await _hostile_actor_and_note(warmline, peer)
    pages = await _pages(warmline, account, status)
    key = next(p for p in pages if p.startswith("/@" if page == "profile" else "/posts/"))
    html = pages[key]
    assert live_markup(html, LIVE_IN_PAGE) == [], (key, live_markup(html, LIVE_IN_PAGE))
    # and the text is there, escaped, not dropped
    assert "Bob" in html
