"""Events in a browser: the list, an event's page (the organiser's and a visitor's), the
form and a refused form pass axe-core and fit a phone's width; answering "Going" by
its button; the time zone of a new event is the browser's own."""

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
class Events:
    instance: Instance
    people: dict[str, Member]
    ids: dict[str, str]  # the events' ids by name


@pytest.fixture(scope="module")
def site(module_instance: Callable[..., Instance]) -> Events:
    """ann and bea, connected; bea organises a breakfast (3 places) and a private dinner."""
    site = module_instance()
    people = {u: site.create_member(u, display_name=u.title()) for u in ("ann", "bea", "cal")}
    ids = {u: site.api("GET", "/api/v1/accounts/verify_credentials", m.token)["id"]
           for u, m in people.items()}  # fmt: skip
    sent = site.api("POST", f"{W}/connections", people["ann"].token, {"account_id": ids["bea"]})
    site.api("POST", f"{W}/connection_requests/{sent['id']}/accept", people["bea"].token)
    breakfast = {
        "title": "Supply-chain breakfast", "description": "Coffee and #logistics talk.",
        "starts_at": "2099-03-06T08:00:00+01:00", "ends_at": "2099-03-06T09:30:00+01:00",
        "timezone": "Europe/Paris", "capacity": 3, "approval_required": False,
        "location": {"name": "Café du Port", "locality": "Lyon", "latitude": 45.75,
                     "longitude": 4.83},
    }  # fmt: skip
    made = site.api("POST", f"{W}/events", people["bea"].token, breakfast)
    dinner = {**breakfast, "title": "Board dinner", "visibility": "connections"}
    private = site.api("POST", f"{W}/events", people["bea"].token, dinner)
    site.api("POST", f"{W}/events/{made['id']}/rsvp", people["cal"].token, {"status": "going"})
    return Events(site, people, {"breakfast": made["id"], "dinner": private["id"]})


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(
    ("who", "path", "heading"),
    [
        ("ann", "/events?scope=network", "Events"),
        ("ann", "/events/{breakfast}", "Supply-chain breakfast"),
        ("bea", "/events/{breakfast}", "Supply-chain breakfast"),
        ("bea", "/events/new", "New event"),
        ("bea", "/events/{breakfast}/edit", "Edit “Supply-chain breakfast”"),
        ("bea", "/events/{breakfast}/cancel", "Cancel “Supply-chain breakfast”?"),
        ("", "/events", "Events"),
        ("", "/events/{breakfast}", "Supply-chain breakfast"),
    ],
)
async def test_event_pages_pass_axe(
    site: Events,
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
    response = await page.goto(site.instance.url(path.format(**site.ids)))
    assert response is not None and response.status == 200
    await expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    await check_axe(page)
    await fits(page)
    await screenshot(page, f"events-{who or 'visitor'}-{path.split('/')[-1] or 'list'}-{viewport}")


async def test_a_refused_form_and_answering_going(
    site: Events, new_page: Pages, check_axe: Callable[..., Awaitable[Any]]
) -> None:
    page = await new_page("desktop", timezone_id="America/Chicago")
    await sign_in(page, site.instance, "ann")
    await page.goto(site.instance.url("/events/new"))
    await expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
    await page.get_by_label("Title").fill("Evening drinks")
    await page.locator("#field-start_date").fill("2099-05-04")
    await page.locator("#field-start_time").fill("18:00")
    await page.locator("#field-end_time").fill("17:00")
    await page.get_by_role("button", name="Post the event").click()
    await expect(page.locator("#error-ends_at")).to_contain_text("must end after it starts")
    await expect(page.get_by_label("Title")).to_have_value("Evening drinks")
    await expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
    await check_axe(page)

    await page.goto(site.instance.url(f"/events/{site.ids['breakfast']}"))
    going = page.get_by_role("button", name="Going")
    await expect(going).to_have_attribute("aria-pressed", "false")
    await going.click()
    await expect(page.get_by_role("status")).to_contain_text("You are going")
    await expect(page.get_by_role("button", name="Going")).to_have_attribute("aria-pressed", "true")


async def test_a_connections_only_event_is_a_404_to_a_visitor(
    site: Events, new_page: Pages
) -> None:
    page = await new_page("desktop", allow=[r"404"])
    response = await page.goto(site.instance.url(f"/events/{site.ids['dinner']}"))
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", level=1)).to_contain_text("no such event")
