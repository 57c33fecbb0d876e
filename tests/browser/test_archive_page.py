"""The archive in a browser: asking for it, the page refreshing itself while the
server's worker builds it, downloading the ZIP; the page passes axe-core and fits
a phone's width."""

from __future__ import annotations

import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from browserkit import Instance, Pages, fits, sign_in
from playwright.async_api import expect


@pytest.fixture(scope="module")
def site(module_instance: Callable[..., Instance]) -> Instance:
    site = module_instance()
    ann = site.create_member("ann", display_name="Ann Archer")
    for text in ("Hello from the harbour", "Hiring two engineers in Rotterdam"):
        site.api("POST", "/api/v1/statuses", ann.token, {"status": text})
    return site


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_asking_for_and_downloading_an_archive(
    site: Instance,
    new_page: Pages,
    check_axe: Callable[..., Awaitable[Any]],
    screenshot: Callable[..., Awaitable[Path]],
    tmp_path: Path,
    viewport: str,
) -> None:
    page = await new_page(viewport)
    await sign_in(page, site, "ann")
    await page.goto(site.url("/settings/archive"))
    await expect(page.get_by_role("heading", level=1, name="Settings")).to_be_visible()
    ask = page.get_by_role("button", name="Ask for an archive")
    if await ask.count():  # the first viewport's archive is still there for the second
        await check_axe(page)
        await ask.click()
        await expect(page.get_by_role("status").first).to_contain_text("being built")
    # The page refreshes itself until the worker is done.
    download = page.get_by_role("link", name="Download your archive")
    await expect(download).to_be_visible(timeout=30_000)
    await check_axe(page)
    await fits(page)
    await screenshot(page, f"settings-archive-{viewport}")
    async with page.expect_download() as waiting:
        await download.click()
    saved = tmp_path / "archive.zip"
    await (await waiting.value).save_as(saved)
    names = zipfile.ZipFile(saved).namelist()
    assert {"actor.json", "outbox.json", "warmline/profile.json"} <= set(names)
    # Another one the same day is refused in words.
    await page.get_by_role("button", name="Ask for a new archive").click()
    await expect(page.get_by_role("alert")).to_contain_text("less than a day ago")
