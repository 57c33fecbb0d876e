"""The browser harness checks what it says it checks; and an example to copy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from browserkit import Instance, Pages
from playwright.async_api import Page, Route, expect

ORIGIN = "http://127.0.0.1:9"  # nothing listens there: page.route answers instead

BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title>
<link rel="stylesheet" href="/missing.css"></head>
<body><main><h1>Broken</h1><a href="/broken" target="_blank">Again</a>
<script>console.error("boom"); throw new Error("kaboom");</script></main></body></html>"""

NOT_FOUND = """<!doctype html><html lang="en"><head><title>Not found</title></head>
<body><main><h1>Not found</h1></main></body></html>"""

INACCESSIBLE = """<!doctype html><html><head><title>Bad</title></head>
<body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button></body></html>"""


async def _serve(route: Route) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/broken":
        await route.fulfill(status=200, content_type="text/html", body=BROKEN)
    elif path == "/gone":
        await route.fulfill(status=404, content_type="text/html", body=NOT_FOUND)
    else:
        await route.fulfill(status=404, body="")


@pytest.mark.browser_errors_ok  # this test looks at the problems itself
async def test_problems_on_a_page_are_collected(new_page: Pages) -> None:
    page = await new_page()
    await page.context.route(f"{ORIGIN}/**", _serve)

    await page.goto(f"{ORIGIN}/gone")  # a 404 document is the test's business, not a problem
    assert new_page.problems() == []

    await page.goto(f"{ORIGIN}/broken")
    await expect(page.get_by_role("heading", name="Broken")).to_be_visible()
    problems = "\n".join(new_page.problems())
    assert "console error: boom" in problems
    assert "uncaught exception: Error: kaboom" in problems
    assert f"HTTP 404 for GET {ORIGIN}/missing.css" in problems
    assert "Failed to load resource" not in problems  # the 404 is listed once, not twice

    async with page.context.expect_page() as opened:  # pages it opens are watched too
        await page.get_by_role("link", name="Again").click()
    await (await opened.value).wait_for_load_state()
    assert len(new_page.problems()) == 6


async def test_expected_problems_can_be_allowed(new_page: Pages) -> None:
    page = await new_page("phone", allow=["boom", "kaboom", "missing.css"])
    await page.context.route(f"{ORIGIN}/**", _serve)
    await page.goto(f"{ORIGIN}/broken")
    assert new_page.problems() == []


async def test_check_axe_lists_serious_and_critical_violations(
    page: Page, check_axe: Callable[..., Awaitable[Any]]
) -> None:
    await page.set_content(INACCESSIBLE)
    with pytest.raises(AssertionError) as failure:
        await check_axe(page)
    message = str(failure.value)
    for rule in ("image-alt", "button-name", "html-has-lang"):
        assert rule in message
    assert "<button></button>" in message  # the offending element, to find it
    assert "landmark-one-main" not in message  # moderate: reported by axe, not failed on


async def test_a_member_profile_in_the_browser(
    instance: Callable[..., Instance],
    new_page: Pages,
    check_axe: Callable[..., Awaitable[Any]],
) -> None:
    """The shape of a typical browser test: a fresh instance, a member, a page."""
    site = instance()
    bob = site.create_member("bob", display_name="Bob Baker")
    bob.update("--headline", "Miller")

    page = await new_page("phone")
    await page.goto(bob.profile_url)

    await expect(page.get_by_role("heading", level=1, name="Bob Baker")).to_be_visible()
    await expect(page.get_by_text("Miller")).to_be_visible()
    await expect(page).to_have_title(f"Bob Baker ({bob.handle}) · Warmline")
    await check_axe(page)
