"""Reasons to talk in a browser: the home page's box (a connection's new job, an event
two connections are going to, a group people one knows are active in) and the page
that congratulates, at desktop and phone sizes, pass axe-core and fit a phone's
width; congratulating sends a direct message and puts the suggestion away."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from browserkit import Instance, Pages, fits, sign_in
from playwright.async_api import expect

W = "/api/v1/warmline"
CREDENTIALS = "/api/v1/accounts/update_credentials"


def this_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


@pytest.fixture(scope="module")
def site(module_instance: Callable[..., Instance]) -> Instance:
    """ann is connected with bea and cal; bea became CTO at Acme this month; bea and cal
    go to dan's harbour tour (after three events of cal's, the home page's events box),
    and both posted in bea's group."""
    site = module_instance()
    names = {"ann": "Ann Archer", "bea": "Béatrice Moreau", "cal": "Carol Chen", "dan": "Dan"}
    people = {u: site.create_member(u, display_name=n) for u, n in names.items()}
    token = {u: m.token for u, m in people.items()}
    ids = {u: site.api("GET", "/api/v1/accounts/verify_credentials", t)["id"]
           for u, t in token.items()}  # fmt: skip
    for other in ("bea", "cal"):
        sent = site.api("POST", f"{W}/connections", token["ann"], {"account_id": ids[other]})
        site.api("POST", f"{W}/connection_requests/{sent['id']}/accept", token[other])
    engineer = {"title": "Engineer", "organization": "Acme", "start": "2019-04"}
    site.api("PATCH", CREDENTIALS, token["bea"], {"warmline": {"experience": [engineer]}})
    cto = {"title": "CTO", "organization": "Acme", "start": this_month()}
    site.api("PATCH", CREDENTIALS, token["bea"],
             {"warmline": {"experience": [cto, {**engineer, "end": this_month()}]}})  # fmt: skip
    tour = {"title": "Harbour tour", "starts_at": "2099-03-06T08:00:00+01:00",
            "timezone": "Europe/Paris"}  # fmt: skip
    for day in (1, 2, 3):
        sooner = {**tour, "title": f"Breakfast {day}", "starts_at": f"2099-03-0{day}T08:00:00Z"}
        site.api("POST", f"{W}/events", token["cal"], sooner)
    made = site.api("POST", f"{W}/events", token["dan"], tour)
    for who in ("bea", "cal"):
        site.api("POST", f"{W}/events/{made['id']}/rsvp", token[who], {"status": "going"})
    group = site.api("POST", f"{W}/groups", token["bea"],
                     {"name": "logistics", "display_name": "Logistics people"})  # fmt: skip
    site.api("POST", f"{W}/groups/{group['id']}/join", token["cal"])
    for who in ("bea", "cal"):
        site.api("POST", "/api/v1/statuses", token[who],
                 {"status": "Who ships to Rotterdam?", "group_id": group["id"]})  # fmt: skip
    return site


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
async def test_the_box_and_congratulating(
    site: Instance,
    new_page: Pages,
    check_axe: Callable[..., Awaitable[Any]],
    screenshot: Callable[..., Awaitable[Path]],
    viewport: str,
) -> None:
    page = await new_page(viewport)
    await sign_in(page, site, "ann")
    box = page.get_by_role("region", name="Reasons to talk")
    await expect(box).to_contain_text("Béatrice Moreau is now CTO at Acme")
    await expect(box).to_contain_text("Harbour tour")
    await expect(box).to_contain_text("Logistics people")
    await expect(box.get_by_role("button", name="I'm going too: Harbour tour")).to_be_visible()
    await expect(box.get_by_role("button", name="Join Logistics people")).to_be_visible()
    await check_axe(page)
    await fits(page)
    await screenshot(page, f"warmth-home-{viewport}")

    await box.get_by_role("link", name="Congratulate Béatrice Moreau").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Congratulate Béatrice Moreau")
    message = page.get_by_label("Your message to Béatrice Moreau")
    await expect(message).to_have_value(
        "Congratulations on your new role as CTO at Acme! Wishing you a great start."
    )
    await check_axe(page)
    await fits(page)
    await screenshot(page, f"warmth-congratulate-{viewport}")
    if viewport == "phone":  # the desktop run leaves the suggestion for this one
        await message.fill("Congratulations, Béatrice! Coffee soon?")
        await page.get_by_role("button", name="Send").click()
        await expect(page.get_by_role("status")).to_contain_text("on its way to Béatrice")
        await expect(box).not_to_contain_text("is now CTO")
