"""Groups in a browser: the list, a group's page (its owner's, a member's, a visitor's),
the members page with its requests and moderators' buttons, the forms, a refused
form and the confirmation pages pass axe-core and fit a phone's width; joining by
the button, posting from the group's page, and approving a request to join."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browserkit import Instance, Member, Pages, fits, sign_in
from playwright.async_api import expect

VIEWPORTS = ["desktop", "phone"]
W = "/api/v1/warmline"


@dataclass(frozen=True)
class Groups:
    instance: Instance
    people: dict[str, Member]
    ids: dict[str, str]  # the groups' and people's ids by name


@pytest.fixture(scope="module")
def site(module_instance: Callable[..., Instance]) -> Groups:
    """ann owns "Logistics people" (open; bea is in it and posted, with an event) and
    "Board" (approval; cal asks to join); dan is in no group."""
    site = module_instance()
    people = {
        u: site.create_member(u, display_name=u.title()) for u in ("ann", "bea", "cal", "dan")
    }
    ids = {u: site.api("GET", "/api/v1/accounts/verify_credentials", m.token)["id"]
           for u, m in people.items()}  # fmt: skip
    ann, bea, cal = people["ann"].token, people["bea"].token, people["cal"].token
    about = "Supply chains, ports and trucks. Ask anything about shipping."
    logistics = site.api("POST", f"{W}/groups", ann, {
        "name": "logistics", "display_name": "Logistics people", "description": about})  # fmt: skip
    board = site.api("POST", f"{W}/groups", ann, {
        "name": "board", "display_name": "Board", "membership": "approval"})  # fmt: skip
    site.api("POST", f"{W}/groups/{logistics['id']}/join", bea)
    site.api("POST", f"{W}/groups/{board['id']}/join", cal)
    site.api("POST", "/api/v1/statuses", bea, {
        "status": "Who ships to Rotterdam every week?", "group_id": logistics["id"]})  # fmt: skip
    site.api("POST", f"{W}/events", bea, {
        "title": "Port tour", "starts_at": "2099-05-01T10:00:00+02:00",
        "timezone": "Europe/Amsterdam", "group_id": logistics["id"]})  # fmt: skip
    ids |= {"logistics": logistics["id"], "board": board["id"]}
    return Groups(site, people, ids)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(
    ("who", "path", "heading"),
    [
        ("ann", "/groups", "Groups"),
        ("dan", "/groups?scope=local&handle=board@{domain}", "Groups"),
        ("ann", "/@logistics", "Logistics people"),
        ("bea", "/@logistics", "Logistics people"),
        ("dan", "/@board", "Board"),
        ("ann", "/groups/{logistics}/members", "Members of Logistics people"),
        ("ann", "/groups/{board}/members", "Members of Board"),
        ("ann", "/groups/new", "Create a group"),
        ("ann", "/groups/{logistics}/edit", "Edit “Logistics people”"),
        (
            "ann",
            "/groups/{logistics}/members/{bea}/remove?ban=1",
            "Remove Bea from Logistics people?",
        ),
        ("ann", "/notifications", "Notifications"),
        ("", "/groups", "Groups"),
        ("", "/@logistics", "Logistics people"),
    ],
)
async def test_group_pages_pass_axe(
    site: Groups,
    new_page: Pages,
    check_axe: Callable[..., Awaitable[Any]],
    screenshot: Callable[..., Awaitable[Path]],
    viewport: str,
    who: str,
    path: str,
    heading: str,
) -> None:
    page = await new_page(viewport)
    if who:
        await sign_in(page, site.instance, who)
    url = path.format(domain=site.instance.domain, **site.ids)
    response = await page.goto(site.instance.url(url))
    assert response is not None and response.status == 200
    await expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    await check_axe(page)
    await fits(page)
    name = url.split("?")[0].strip("/").replace("/", "-").replace("@", "") or "home"
    await screenshot(page, f"groups-{who or 'visitor'}-{name}-{viewport}")


async def test_joining_posting_and_leaving(
    site: Groups, new_page: Pages, check_axe: Callable[..., Awaitable[Any]]
) -> None:
    page = await new_page("phone")
    await sign_in(page, site.instance, "dan")
    await page.get_by_role("link", name="Groups").click()
    await expect(page.get_by_role("heading", level=1, name="Groups")).to_be_visible()
    await page.get_by_role("link", name="On this server", exact=True).click()
    await page.get_by_role("link", name="Logistics people").click()
    await page.get_by_role("button", name="Join the group").click()
    await expect(page.get_by_role("status")).to_contain_text("you are a member now")

    await page.get_by_label("What would you like to share with the group?").fill(
        "Anyone going to the port tour?"
    )
    await page.get_by_role("button", name="Post", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("Posted in the group.")
    await expect(page.get_by_text("Anyone going to the port tour?")).to_be_visible()
    await expect(page.get_by_role("link", name="Port tour", exact=True)).to_be_visible()
    await check_axe(page)

    await page.get_by_role("button", name="Leave the group").click()
    await expect(page.get_by_role("status")).to_contain_text("You left Logistics people.")
    await expect(page.get_by_role("button", name="Join the group")).to_be_visible()


async def test_a_refused_form_and_approving_a_request(
    site: Groups, new_page: Pages, check_axe: Callable[..., Awaitable[Any]]
) -> None:
    page = await new_page("desktop")
    await sign_in(page, site.instance, "ann")
    await page.goto(site.instance.url("/groups/new"))
    await page.get_by_label("Handle", exact=True).fill("logistics")
    await page.get_by_label("Description (optional)").fill("Another one")
    await page.get_by_role("button", name="Create the group").click()
    await expect(page.locator("#error-name")).to_contain_text("@logistics is taken")
    await expect(page.get_by_label("Description (optional)")).to_have_value("Another one")
    await check_axe(page)

    await page.goto(site.instance.url("/@board"))
    await page.get_by_role("link", name="Members and requests").click()
    await page.get_by_role("button", name="Approve Cal").click()
    await expect(page.get_by_role("status")).to_contain_text("Cal is a member now")
    await expect(page.get_by_role("heading", name="Asking to join")).to_contain_text("0")
    await expect(page.get_by_role("button", name="Make moderator Cal")).to_be_visible()
