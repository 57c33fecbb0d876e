"""My network, notifications and search in a browser: each page at desktop and phone
size passes axe-core and fits the screen; actions happen in place with htmx; a new
notification arrives live."""

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
class Network:
    instance: Instance
    people: dict[str, Member]
    ids: dict[str, str]


def _connect(site: Instance, a: Member, b: Member, b_id: str, note: str = "") -> dict[str, Any]:
    sent: dict[str, Any] = site.api(
        "POST", f"{W}/connections", a.token, {"account_id": b_id, "note": note}
    )
    return sent


@pytest.fixture(scope="module")
def network(module_instance: Callable[..., Instance]) -> Network:
    """ann, connected to bea; bea to cal; dan asks ann to connect; ann asks bea to
    introduce her to cal."""
    site = module_instance()
    names = {"ann": "Ann Okafor", "bea": "Beatriz Costa", "cal": "Callum Berg", "dan": "Dan Sato"}
    people = {u: site.create_member(u, display_name=n) for u, n in names.items()}
    people["ann"].update("--headline", "Head of Data", "--location", "Lisbon")
    people["cal"].update("--headline", "Founder, Tidepool Robotics", "--location", "Oslo")
    ids = {
        u: site.api("GET", "/api/v1/accounts/verify_credentials", m.token)["id"]
        for u, m in people.items()
    }
    for a, b in (("ann", "bea"), ("bea", "cal")):
        sent = _connect(site, people[a], people[b], ids[b], "We worked together")
        site.api("POST", f"{W}/connection_requests/{sent['id']}/accept", people[b].token)
    _connect(site, people["dan"], people["ann"], ids["ann"], "Loved your talk on data teams")
    site.api(
        "POST",
        f"{W}/introductions",
        people["ann"].token,
        {"target_account_id": ids["cal"], "via_account_id": ids["bea"], "reason": "Robots!"},
    )
    people["bea"].post(f"{people['ann'].handle} have you met Cal?")
    return Network(site, people, ids)


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/network", "My network"),
        ("/network/requests", "My network"),
        ("/network/introductions", "My network"),
        ("/network/suggestions", "My network"),
        ("/notifications", "Notifications"),
        ("/search?q=oslo", "Search"),
        ("/search", "Search"),
    ],
)
async def test_page(
    network: Network,
    new_page: Pages,
    check_axe: Callable[..., Awaitable[Any]],
    screenshot: Callable[..., Awaitable[Path]],
    path: str,
    heading: str,
    viewport: str,
) -> None:
    page = await new_page(viewport)
    await sign_in(page, network.instance, "ann")
    response = await page.goto(network.instance.url(path))
    assert response is not None and response.status == 200
    await expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    await check_axe(page)
    await fits(page)
    await screenshot(page, f"{path.strip('/').replace('/', '-').replace('?', '-')}-{viewport}")


async def test_actions_happen_in_place(network: Network, new_page: Pages) -> None:
    site = network.instance
    bea = await new_page("desktop")
    await sign_in(bea, site, "bea")
    await bea.goto(site.url("/network/introductions"))
    intro = bea.locator(".intro", has_text="would like you to introduce them")
    await intro.get_by_label("A note for Callum Berg (optional)").fill("Cal builds robots.")
    await intro.get_by_role("button", name="Introduce them to Callum Berg").click()
    await expect(
        bea.get_by_text("You introduced Ann Okafor; waiting for Callum Berg")
    ).to_be_visible()
    assert bea.url.endswith("/network/introductions")  # swapped in place, no navigation

    ann = await new_page("phone")
    await sign_in(ann, site, "ann")
    await ann.goto(site.url("/network/requests"))
    row = ann.locator(".net-row", has_text="Dan Sato")
    await row.get_by_role("button", name="Accept").click()
    await expect(
        ann.locator(".net-row", has_text="Dan Sato").get_by_text("Connected")
    ).to_be_visible()


async def test_a_new_notification_arrives_live(network: Network, new_page: Pages) -> None:
    site, people = network.instance, network.people
    cal = await new_page("desktop")
    await sign_in(cal, site, "cal")
    await cal.goto(site.url("/notifications"))
    await cal.wait_for_timeout(500)  # the event stream opens
    site.api("POST", f"{W}/connections", people["dan"].token, {"account_id": network.ids["cal"]})
    item = cal.locator("#notifications-new .notice-item", has_text="Dan Sato would like to connect")
    await expect(item).to_be_visible(timeout=10_000)
    await item.get_by_role("button", name="Accept").click()
    await expect(item.get_by_text("You and Dan Sato are now connected.")).to_be_visible()
