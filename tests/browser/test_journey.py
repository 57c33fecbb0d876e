"""One journey across three real instances, as the people on them would live it.

1. Alice joins the Bakers' Guild (instance A) with an invite link, lands on the
   profile editor with a welcome, fills in her headline, about, location, a
   position and her skills, and sees them on her profile.
2. She posts a picture of her bread, with its description, from her home page.
3. She finds Bob, a miller on B, by his handle (WebFinger), follows him and asks
   to connect with a note; Bob accepts on his own instance, and Alice sees him
   among her connections.
4. Bob is connected to Carol, who runs a market on C. From Carol's profile Alice
   asks Bob to introduce them, in one step; Bob forwards it with a note, Carol
   accepts, Alice and Carol are connected, and the introduction shows its end in
   words to each of the three.
5. Bob endorses one of Alice's skills from her profile as B shows it; the
   notification arrives on Alice's open pages without a reload (the badge in the
   nav, and the item on her notifications page).
6. The remaining main pages (home, profile, requests, settings, administration)
   with all this in them.

Everything a person does goes through the pages, by the accessible roles and
names of the controls (which is how the interface's accessibility is exercised
too), each person in their own browser context. Only what the story takes as
given is set up with the CLI or the API: the invite, Bob's and Carol's accounts,
their connection, an admin. Every main page is checked with axe-core on the way,
at desktop and phone size (and must fit a phone's width), and pictured:
``WARMLINE_SCREENSHOTS=1`` writes the pictures into docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browserkit import PASSWORD, VIEWPORTS, Instance, Member, Pages
from PIL import Image, ImageDraw
from playwright.async_api import BrowserContext, Locator, Page, Response, expect

pytestmark = pytest.mark.slow  # three real servers, and deliveries between them

W = "/api/v1/warmline"
FEDERATION_S = 30  # how long a step may wait for another instance (deliveries are queued)
FEDERATION_MS = FEDERATION_S * 1000
SEARCH = "Search people, skills or fediverse handles"  # the search box in the top bar

CONFIG = """
[instance]
name = "{name}"
description = "{description}"
registrations = "invite"
rules = ["Be kind and assume good intent.", "No spam: introductions are personal."]
"""

Axe = Callable[..., Awaitable[list[dict[str, Any]]]]
Shot = Callable[..., Awaitable[Path]]


# -- helpers -----------------------------------------------------------------------------


def start(instance: Callable[..., Instance], key: str, name: str, description: str) -> Instance:
    return instance(key, CONFIG.format(name=name, description=description))


async def sign_in(page: Page, site: Instance, username: str) -> None:
    await page.goto(site.url("/signin"))
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("link", name="Notifications")).to_be_visible()


async def search(page: Page, text: str) -> None:
    """Search with the box in the top bar."""
    await page.get_by_label(SEARCH).fill(text)
    await page.get_by_label(SEARCH).press("Enter")
    await expect(page.get_by_role("heading", level=1, name="Search")).to_be_visible()


async def reload_until(page: Page, target: Locator) -> None:
    """Reload ``page`` until ``target`` shows: for what another instance has to deliver."""
    deadline = time.monotonic() + FEDERATION_S
    while True:
        try:
            await expect(target).to_be_visible(timeout=1_500)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        await page.reload()


async def until(probe: Callable[[], Any], what: str) -> Any:
    """Call ``probe`` (a look through the API) until it answers something true; that."""
    deadline = time.monotonic() + FEDERATION_S
    while not (found := probe()):
        assert time.monotonic() < deadline, f"waited {FEDERATION_S} s for: {what}"
        await asyncio.sleep(0.3)
    return found


def row(page: Page, name: str) -> Locator:
    """A row of My network (a connection, a request, an introduction) naming someone."""
    return page.locator(".net-row", has=page.get_by_role("link", name=name, exact=True))


def streaming(response: Response) -> bool:
    """The answer to a page's event stream (``/live``), live updates' way in."""
    return urlsplit(response.url).path == "/live" and response.ok


def bread_png(folder: Path) -> Path:
    """A real PNG: a scored loaf on a board."""
    picture = Image.new("RGB", (1200, 800), "#f3e6cf")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((100, 575, 1100, 675), fill="#8a5a32")
    draw.ellipse((275, 275, 925, 625), fill="#c98b45", outline="#7a4a1f", width=14)
    for x in (425, 575, 725):
        draw.line((x, 350, x + 75, 500), fill="#f6dcae", width=20)
    path = folder / "sourdough.png"
    picture.save(path)
    return path


def account_id(member: Member, handle: str) -> str:
    """The id ``member``'s instance knows ``handle`` by (looked up by WebFinger)."""
    path = f"/api/v2/search?q={handle}&resolve=true&type=accounts"
    return str(member.instance.api("GET", path, member.token)["accounts"][0]["id"])


def connected(member: Member, peer: Member) -> bool:
    found = member.instance.api("GET", f"{W}/connections", member.token)
    return any(c["account"]["acct"] == peer.handle.removeprefix("@") for c in found)


async def connect_by_api(asker: Member, other: Member) -> None:
    """``asker`` asks ``other`` (elsewhere) to connect; ``other`` accepts once it arrives,
    and ``asker``'s instance hears of it."""
    body = {"account_id": account_id(asker, other.handle), "note": "We met at the grain fair"}
    asker.instance.api("POST", f"{W}/connections", asker.token, body)
    incoming = f"{W}/connection_requests?direction=incoming"
    waiting = await until(
        lambda: other.instance.api("GET", incoming, other.token), "the request arrives"
    )
    other.instance.api("POST", f"{W}/connection_requests/{waiting[0]['id']}/accept", other.token)
    await until(lambda: connected(asker, other), f"{asker.handle} hears of the acceptance")


@dataclass
class Camera:
    """axe-core checks and pictures of the pages, at desktop and phone size.

    A person's phone is a second browser context holding their cookies, so it
    sees what they see."""

    new_page: Pages
    check_axe: Axe
    screenshot: Shot
    phones: dict[BrowserContext, Page] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)
    minor: dict[str, set[str]] = field(default_factory=dict)  # axe's other findings, by rule

    async def check(self, page: Page) -> None:
        """axe-core: fails on serious or critical problems; keeps the others to print."""
        for violation in await self.check_axe(page):
            found = f"{violation['impact']}: {violation['id']}"
            self.minor.setdefault(found, set()).add(page.url)
        self.checked.append(page.url)

    async def phone(self, page: Page) -> Page:
        """The phone of the person whose page this is, with their cookies as they are now."""
        if page.context not in self.phones:
            self.phones[page.context] = await self.new_page("phone")
        phone = self.phones[page.context]
        await phone.context.clear_cookies()
        await phone.context.add_cookies(await page.context.cookies())  # type: ignore[arg-type]
        return phone

    async def picture(self, page: Page, name: str) -> None:
        """The whole page, seen through a window as tall as it: what is fixed to the
        bottom of the screen (a phone's tab bar) is drawn at the bottom, not across
        the middle as a full-page picture through a screen-sized window draws it."""
        size = page.viewport_size
        assert size is not None
        height = await page.evaluate("document.documentElement.scrollHeight")
        await page.set_viewport_size(
            {"width": size["width"], "height": max(height, size["height"])}
        )
        # Lazy images now in view load: the picture waits for them.
        await page.wait_for_function("[...document.images].every(image => image.complete)")
        await self.screenshot(page, name)
        await page.set_viewport_size(size)

    async def both(self, page: Page, name: str) -> Page:
        """Check and picture ``page`` as it is, then the same address on the phone."""
        await self.check(page)
        await self.picture(page, f"{name}-desktop")
        phone = await self.phone(page)
        await phone.goto(page.url)
        await self.check(phone)
        await fits(phone)
        await self.picture(phone, f"{name}-phone")
        return phone


async def fits(page: Page) -> None:
    """Nothing on the page is wider than the screen (no sideways scrolling)."""
    screen = VIEWPORTS["phone"].width
    if await page.evaluate("document.documentElement.scrollWidth") > screen:
        wide = await page.evaluate(
            """screen => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > screen)
                .map(e => `${e.tagName}.${e.className}`)""",
            screen,
        )
        raise AssertionError(f"{page.url} is wider than a phone's screen: {wide}")


# -- the journey -------------------------------------------------------------------------


async def test_a_journey_across_three_instances(
    instance: Callable[..., Instance],
    new_page: Pages,
    check_axe: Axe,
    screenshot: Shot,
    tmp_path: Path,
) -> None:
    began = time.monotonic()
    a = start(
        instance, "a", "Bakers' Guild", "Bakers, pastry chefs and the people who supply them."
    )
    b = start(instance, "b", "Millers' Union", "Millers and grain growers of the north.")
    c = start(instance, "c", "Market Hall", "Traders of the covered market.")
    camera = Camera(new_page, check_axe, screenshot)

    # 1. Alice signs up on A with an invite and fills in her profile.
    invite = a.cli("invite", "create").strip()
    alice = await new_page()
    await alice.goto(invite)
    await expect(alice.get_by_role("heading", level=1, name="Join Bakers' Guild")).to_be_visible()
    await expect(alice.get_by_text("You have been invited: welcome!")).to_be_visible()
    await camera.both(alice, "signup")
    await alice.get_by_label("Your name").fill("Alice Archer")
    await alice.get_by_label("Username").fill("alice")
    await alice.get_by_label("Password", exact=True).fill(PASSWORD)
    await alice.get_by_label("Password again").fill(PASSWORD)
    await alice.get_by_label("I have read the rules and agree to keep them").check()
    await alice.get_by_role("button", name="Join").click()

    await expect(alice).to_have_url(a.url("/profile/edit?welcome=1"))
    await expect(alice.get_by_role("heading", name="Welcome, Alice Archer!")).to_be_visible()
    await camera.check(alice)
    await alice.get_by_label("Headline").fill("Head baker at Archer & Sons, Leeds")
    await alice.get_by_label("About you").fill(
        "I bake long-fermented sourdough and laminated pastry.\n\n"
        "Looking for millers who grow heritage wheat, and markets to sell at."
    )
    await alice.get_by_label("Location").fill("Leeds, UK")
    position = alice.get_by_role("group", name="Position 1")
    await position.get_by_label("Title").fill("Head baker")
    await position.get_by_label("Organisation").fill("Archer & Sons")
    await position.get_by_label("Started").fill("2019-04")
    await position.get_by_label("What you did").fill("Opened a second shop; trained six bakers.")
    await alice.get_by_label("Your skills, one per line").fill("Sourdough\nPastry\nTeaching")
    await alice.get_by_role("button", name="Save profile").click()

    await expect(alice).to_have_url(a.url("/@alice"))
    await expect(alice.get_by_role("status")).to_have_text("Your profile is saved.")
    await expect(alice.get_by_role("heading", level=1, name="Alice Archer")).to_be_visible()
    await expect(alice.get_by_text("Head baker at Archer & Sons, Leeds")).to_be_visible()
    await expect(alice.get_by_text("Leeds, UK")).to_be_visible()
    about = alice.get_by_role("region", name="About")
    await expect(about.get_by_text("Looking for millers who grow heritage wheat")).to_be_visible()
    experience = alice.get_by_role("region", name="Experience")
    await expect(experience.get_by_role("heading", name="Head baker")).to_be_visible()
    await expect(experience.get_by_text("Archer & Sons")).to_be_visible()
    skills = alice.get_by_role("region", name="Skills")
    for skill in ("Sourdough", "Pastry", "Teaching"):
        await expect(skills.get_by_text(skill, exact=True)).to_be_visible()
    await camera.check(alice)
    await alice.get_by_role("link", name="Edit profile").click()  # as she will come back to it
    await expect(alice.get_by_label("Your skills, one per line")).to_have_value(
        "Sourdough\nPastry\nTeaching"
    )
    await camera.both(alice, "profile-edit")

    # 2. Alice posts a picture from her home page.
    await alice.get_by_role("link", name="Home").click()
    await alice.get_by_label("What would you like to share?").fill(
        "First bake of the season: 36-hour sourdough with heritage wheat. #sourdough"
    )
    await alice.get_by_text("Images and content warning").click()
    slot = alice.get_by_role("group", name="Image 1")
    await slot.get_by_label("Choose an image (JPEG, PNG or WebP)").set_input_files(
        bread_png(tmp_path)
    )
    alt = "A round sourdough loaf with three deep scores, on a wooden board"
    await slot.get_by_label("Describe it for people who cannot see it").fill(alt)
    await alice.get_by_role("button", name="Post", exact=True).click()
    post = alice.locator("#timeline").get_by_role("article", name="Alice Archer").first
    await expect(post.get_by_text("First bake of the season")).to_be_visible()
    await expect(post.get_by_role("img", name=alt)).to_be_visible()
    await alice.reload()  # it was posted, not only shown
    await expect(post.get_by_role("img", name=alt)).to_be_visible()
    await camera.check(alice)
    await post.get_by_role("link", name="just now").click()  # its time links to its page
    await expect(
        alice.get_by_role("heading", level=1, name="A post by Alice Archer")
    ).to_be_attached()
    await expect(alice.get_by_role("img", name=alt)).to_be_visible()
    await camera.both(alice, "post")

    # 3. Alice finds Bob on B by his handle, follows him and asks to connect.
    bob_member = b.create_member("bob", display_name="Bob Miller")
    bob_member.update("--headline", "Stone-ground flour from heritage wheat", "--location", "York")
    await search(alice, bob_member.handle)
    elsewhere = alice.get_by_role("region", name="On other instances")
    await expect(elsewhere.get_by_role("link", name="Bob Miller", exact=True)).to_be_visible()
    await camera.both(alice, "search")
    await elsewhere.get_by_role("link", name="Bob Miller", exact=True).click()
    await expect(alice.get_by_role("heading", level=1, name="Bob Miller")).to_be_visible()
    await camera.check(alice)
    await alice.get_by_role("button", name="Follow", exact=True).click()
    await expect(alice.get_by_role("status")).to_have_text("You asked to follow Bob Miller.")
    await alice.get_by_role("group").get_by_text("Connect", exact=True).click()  # <summary>
    await alice.get_by_label("Add a note (optional)").fill("I bake with your flour every day!")
    await alice.get_by_role("button", name="Send request").click()
    await expect(alice.get_by_role("status")).to_have_text(
        "Your request to connect was sent to Bob Miller."
    )
    await expect(alice.get_by_text("Request sent")).to_be_visible()

    bob = await new_page()
    await sign_in(bob, b, "bob")
    await bob.get_by_role("link", name="Network").click()
    await bob.get_by_role("link", name="Requests").click()
    request = row(bob, "Alice Archer")
    await reload_until(bob, request)
    await expect(request.get_by_text("I bake with your flour every day!")).to_be_visible()
    await camera.both(bob, "requests")
    await request.get_by_role("button", name="Accept").click()
    await expect(request.get_by_text("Connected")).to_be_visible()

    await alice.get_by_role("link", name="Network").click()
    await reload_until(alice, row(alice, "Bob Miller"))
    await row(alice, "Bob Miller").get_by_role("link", name="Bob Miller", exact=True).click()
    await reload_until(alice, alice.get_by_role("button", name="Unfollow"))  # her follow, accepted
    await expect(
        alice.locator("#relationship").get_by_text(re.compile("^Connected"))
    ).to_be_visible()

    # 4. Bob and Carol know each other; Alice asks Bob to introduce her to Carol.
    carol_member = c.create_member("carol", display_name="Carol Chen")
    carol_member.update("--headline", "Runs the covered market's bakery stalls")
    await connect_by_api(bob_member, carol_member)

    await search(alice, carol_member.handle)
    elsewhere = alice.get_by_role("region", name="On other instances")
    await elsewhere.get_by_role("link", name="Carol Chen", exact=True).click()
    await expect(alice.get_by_role("heading", level=1, name="Carol Chen")).to_be_visible()
    # A cannot know whom Carol knows on C: Alice names the connection who could introduce her.
    ask = alice.get_by_role("region", name="Who could introduce you to Carol Chen?")
    await ask.get_by_text("Ask a connection for an introduction").click()
    await ask.get_by_label("Your connection who knows Carol Chen").select_option(
        label=f"Bob Miller ({bob_member.handle})"
    )
    await ask.get_by_label("Your message to them").fill(
        "I would love to sell my bread at the market."
    )
    await camera.both(alice, "profile-other")
    await ask.get_by_role("button", name="Ask for an introduction").click()
    await expect(alice.get_by_role("status")).to_have_text(
        "You asked Bob Miller to introduce you to Carol Chen."
    )
    await expect(
        alice.get_by_text("You asked Bob Miller to introduce you to Carol Chen. Waiting")
    ).to_be_visible()

    await bob.get_by_role("link", name="Introductions").click()
    asked = bob.locator(".intro", has_text="would like you to introduce them to")
    await reload_until(bob, asked)
    await expect(asked.get_by_text("I would love to sell my bread at the market.")).to_be_visible()
    await expect(asked.get_by_text("Your turn")).to_be_visible()
    await camera.both(bob, "introductions")
    await asked.get_by_label("A note for Carol Chen (optional)").fill(
        "Alice's bread is the best in Leeds: you will want her at the market."
    )
    await asked.get_by_role("button", name="Introduce them to Carol Chen").click()
    await expect(
        bob.get_by_text("You introduced Alice Archer; waiting for Carol Chen")
    ).to_be_visible()

    carol = await new_page()
    await sign_in(carol, c, "carol")
    await carol.get_by_role("link", name="Network").click()
    await carol.get_by_role("link", name="Introductions").click()
    offered = carol.locator(".intro", has_text="would like to introduce you to")
    await reload_until(carol, offered)
    await expect(offered.get_by_text("Alice's bread is the best in Leeds")).to_be_visible()
    await expect(
        offered.get_by_text("I would love to sell my bread at the market.")
    ).to_be_visible()
    await camera.check(carol)
    await offered.get_by_role("button", name="Accept and connect").click()
    await expect(
        carol.get_by_text("You accepted: you and Alice Archer are connected.")
    ).to_be_visible()
    await carol.get_by_role("link", name="Connections").click()
    await expect(row(carol, "Alice Archer")).to_be_visible()
    await camera.check(carol)

    await alice.get_by_role("link", name="Network").click()
    await reload_until(alice, row(alice, "Carol Chen"))
    await expect(row(alice, "Carol Chen").get_by_text("Introduced by Bob Miller")).to_be_visible()
    await camera.both(alice, "network")
    await alice.get_by_role("link", name="Introductions").click()
    await reload_until(alice, alice.get_by_text("Carol Chen accepted: you are connected."))
    await camera.check(alice)
    await bob.reload()
    await reload_until(
        bob, bob.get_by_text("Carol Chen accepted: Alice Archer and Carol Chen are connected.")
    )

    # 5. Bob endorses Alice's skill; her open pages hear of it without a reload.
    # First what the introduction still sends her: Carol's follow, Bob's message to both.
    await alice.goto(a.url("/@alice"))
    await reload_until(alice, alice.get_by_text("2 followers"))
    await alice.get_by_role("link", name="Notifications").click()
    await reload_until(alice, alice.get_by_text("Bob Miller mentioned you"))  # seen, now
    await camera.both(alice, "notifications")
    # Her pages listen from when their event streams answer (the server subscribes first).
    async with alice.expect_response(streaming):
        await alice.get_by_role("link", name="Home").click()
    bell = alice.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications")
    await expect(bell).to_have_accessible_name("Notifications")  # no badge: all seen
    alice_phone = await camera.phone(alice)
    async with alice_phone.expect_response(streaming):
        await alice_phone.goto(a.url("/notifications"))

    await bob.goto(b.url(f"/@alice@{a.domain}"))
    await expect(bob.get_by_role("heading", level=1, name="Alice Archer")).to_be_visible()
    await camera.check(bob)
    await bob.get_by_role("button", name="Endorse Sourdough").click()
    await expect(bob.get_by_role("status")).to_have_text("You endorsed Alice Archer for Sourdough.")
    await expect(bob.get_by_role("button", name="Endorsed Sourdough")).to_be_visible()

    await expect(bell).to_have_accessible_name(  # a badge: "1", read out "1 unread"
        re.compile(r"^Notifications\s*1 unread$"), timeout=FEDERATION_MS
    )
    await expect(bell.get_by_text("1 unread")).to_be_visible()
    live = alice_phone.locator("#notifications-new")
    await expect(live.get_by_text("Bob Miller endorsed you for Sourdough")).to_be_visible(
        timeout=FEDERATION_MS
    )
    await camera.picture(alice_phone, "notifications-live-phone")

    # 6. The other main pages, with all this in them.
    await alice.reload()
    await camera.both(alice, "home")
    await alice.get_by_role("link", name="Alice Archer", exact=True).first.click()
    await expect(alice.get_by_text("Endorsed by 1 person: Bob Miller")).to_be_visible()
    await camera.both(alice, "profile")
    await alice.get_by_role("link", name="Privacy and settings").click()
    await expect(alice.get_by_role("heading", level=1, name="Settings")).to_be_visible()
    await camera.both(alice, "settings")

    a.create_member("ada", display_name="Ada Lovelace")
    a.cli("member", "role", "ada", "admin")
    admin = await new_page()
    await sign_in(admin, a, "ada")
    await admin.goto(a.url("/admin"))
    await expect(admin.get_by_role("heading", level=1, name="Administration")).to_be_visible()
    await camera.both(admin, "admin")
    await admin.get_by_role("link", name="Members", exact=True).click()
    await expect(admin.get_by_role("link", name="Alice Archer", exact=True)).to_be_visible()
    await camera.both(admin, "admin-members")

    print(f"\njourney: {time.monotonic() - began:.0f} s, axe-core on {len(camera.checked)} pages")
    for rule, urls in sorted(camera.minor.items()):
        print(f"  axe-core, {rule}: {len(urls)} page(s), e.g. {min(urls)}")
