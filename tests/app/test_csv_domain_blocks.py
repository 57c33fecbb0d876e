# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Mastodon's ``domain_blocks.csv``: the servers a member blocks, one domain a
line, exported and imported (merge adds, overwrite also unblocks), and the
settings page that lists and unblocks them."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from apiclient import member

from server.services import member_domain_blocks
from tests.app.test_csv_exchange import clients, export, signed_in, upload  # noqa: F401
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Warmline,
    start_warmline,
    warmline,
)


async def test_domain_blocks_are_exported_one_domain_a_line(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    assert await export(browser, "domain_blocks") == ""
    for domain in ("spam.example", "Ads.Example"):
        await member_domain_blocks.block(w.svc, carol, domain)
    resp = await browser.client.get("/settings/export/domain_blocks.csv")
    assert resp.headers["Content-Disposition"] == 'attachment; filename="a.test-domain_blocks.csv"'
    assert await export(browser, "domain_blocks") == "ads.example\nspam.example\n"
    # The API gives the same file with a token that reads blocks.
    api = await member(w.client, "carol")
    resp = await w.client.get("/api/v1/warmline/export/domain_blocks.csv", headers=api._h())
    assert resp.status == 200 and await resp.text() == "ads.example\nspam.example\n"


async def test_importing_domain_blocks_merges_or_overwrites(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    await member_domain_blocks.block(w.svc, carol, "old.example")

    # Mastodon's header, a BOM, CRLF, a repeated line, nonsense and this server.
    text = (
        "\ufeff#domain\r\nSpam.Example\r\nspam.example\r\nnot a domain\r\na.test\r\nads.example\r\n"
    )
    page = await upload(browser, "domain_blocks", text)
    assert "Imported 2 of 5 lines (0 unchanged)." in page
    assert "this server is on an earlier line already" in page
    assert "You cannot block the server you are on" in page
    assert await member_domain_blocks.all_domains(w.svc, carol) == [
        "ads.example",
        "old.example",
        "spam.example",
    ]

    page = await upload(browser, "domain_blocks", "ads.example\nnew.example\n", mode="overwrite")
    assert "Imported 1 of 2 lines (1 unchanged)." in page
    assert "Removed 2 that the file did not name." in page
    assert await member_domain_blocks.all_domains(w.svc, carol) == ["ads.example", "new.example"]


async def test_the_settings_page_lists_blocks_and_unblocks_servers(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    page = await browser.get("/settings/import")
    assert "Servers you block" in page and "You block no server." in page

    await browser.post("/settings/domain_blocks", {"domain": "https://Spam.Example/"})
    assert await member_domain_blocks.all_domains(w.svc, carol) == ["spam.example"]
    page = await browser.get("/settings/import")
    assert "spam.example is blocked" in page
    assert "Unblock spam.example" in page

    await browser.post("/settings/domain_blocks", {"domain": "a.test"})
    page = await browser.get("/settings/import")
    assert "You cannot block the server you are on" in page

    await browser.post("/settings/domain_blocks/remove", {"domain": "spam.example"})
    assert await member_domain_blocks.all_domains(w.svc, carol) == []
    page = await browser.get("/settings/import")
    assert "spam.example is no longer blocked" in page
