"""The main pages load, have a title and pass axe-core, at desktop and phone size.

About the harness more than the pages (which are being rewritten): every page
a test opens is also checked for console errors and failed asset loads.
``WARMLINE_SCREENSHOTS=1`` writes the pictures of the main pages into
docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browserkit import Instance, Pages

VIEWPORTS = ["desktop", "phone"]


@dataclass(frozen=True)
class Site:
    instance: Instance
    paths: dict[str, str]


@pytest.fixture(scope="module")
def site(module_instance: Callable[..., Instance]) -> Site:
    """One instance for the module: Alice, with a profile and a post."""
    instance = module_instance()
    alice = instance.create_member("alice", display_name="Alice Archer")
    alice.update(
        "--headline",
        "Head baker at Archer & Sons",
        "--location",
        "Leeds",
        "--summary",
        "Sourdough, pastry and the people who make them.",
    )
    post = alice.post("Hello! Looking for a miller who grows heritage wheat. #introductions")
    return Site(
        instance,
        {
            "home": "/",
            "profile": "/@alice",
            "post": post["url"].removeprefix(instance.base_url),
            "not-found": "/@nobody",
        },
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("home", 200),
        ("profile", 200),
        ("post", 200),
        ("not-found", 404),
    ],
)
async def test_page(
    site: Site,
    new_page: Pages,
    check_axe: Callable[..., Awaitable[Any]],
    screenshot: Callable[..., Awaitable[Path]],
    name: str,
    expected: int,
    viewport: str,
) -> None:
    page = await new_page(viewport)
    response = await page.goto(site.instance.url(site.paths[name]))
    assert response is not None
    assert response.status == expected, await page.title()
    assert (await page.title()).strip(), "the page has no <title>"
    await check_axe(page)
    if name != "not-found":
        await screenshot(page, f"{name}-{viewport}")
