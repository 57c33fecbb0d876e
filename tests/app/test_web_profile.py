"""Profile pages in a browser: every section, microformats and previews, and who
sees connections (the actions on a person are in test_web_people.py)."""

from __future__ import annotations

import re
from typing import Any

import mf2py
from aiohttp.test_utils import TestClient
from webclient import Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import (
    actors,
    connections,
    endorsements,
    members,
    personal,
    recommendations,
)
from server.services.members import ProfileChanges
from server.services.posts import Draft
from server.store.accounts import AccountRow

PROFILE = ProfileChanges(
    display_name="Bob Baker",
    headline="Head of Bread at Crumb & Co",
    summary="I bake.\n\nAnd I teach baking.",
    location="Lyon",
    industry="Food",
    fields=[("Pronouns", "he/him")],
    open_to=["mentoring", "speaking"],
    experience=[
        {"title": "Head baker", "organization": "Crumb & Co", "start": "2021-04"},
        {
            "title": "Baker",
            "organization": "Le Four",
            "start": "2015-01",
            "end": "2021-03",
            "description": "Sourdough, mostly.",
        },
    ],
    education=[{"school": "École du Pain", "degree": "CAP", "field": "Boulangerie"}],
    skills=["Sourdough", "Teaching"],
    links=[{"name": "My bakery", "url": "https://crumb.example/"}],
    connections_visibility="public",
)


async def member(client: TestClient, name: str) -> AccountRow:
    return await members.get_member(client.app[DB], name)


async def connect(client: TestClient, a: str, b: str) -> None:
    svc = client.app[SERVICES]
    first, second = await member(client, a), await member(client, b)
    row = await connections.request(svc, first, second, "")
    await connections.answer(svc, second, row.id, accept=True)


async def bob_with_a_profile(client: TestClient) -> AccountRow:
    await member_with_password(client, "bob")
    return await actors.change_profile(client.app[SERVICES], "bob", PROFILE)


async def test_a_profile_shows_every_section(client: TestClient) -> None:
    svc = client.app[SERVICES]
    bob = await bob_with_a_profile(client)
    await member_with_password(client, "carol", display_name="Carol Cook")
    await connect(client, "carol", "bob")
    carol = await member(client, "carol")
    await endorsements.endorse(svc, carol, bob, "sourdough")
    rec = await recommendations.recommend(svc, carol, bob, "Bob taught me everything.")
    await recommendations.answer(svc, bob, rec.id, approve=True)
    await personal.post_once(svc, bob, Draft(text="Fresh loaves today"), None)

    page = await Browser(client).get("/@bob")

    for text in (
        "Bob Baker", "Head of Bread at Crumb &amp; Co", "Lyon", "Food", "Mentoring, ",
        "Speaking", "<p>I bake.</p>", "Pronouns", "he/him", "Head baker", "Apr 2021 – Present",
        "Jan 2015 – Mar 2021", "6 yrs 3 mos", "Sourdough, mostly.", "École du Pain",
        "CAP, Boulangerie", "Sourdough", "Endorsed by 1 person", "Carol Cook",
        "Bob taught me everything.", "Fresh loaves today", "My bakery",
    ):  # fmt: skip
        assert text in page, text
    assert re.search(r"<strong>1</strong>\s*connection<", page)
    assert 'href="/@bob/connections"' in page
    assert "Sign in to connect" in page  # anonymous: no actions, an invitation


async def test_the_h_card_and_the_previews(client: TestClient) -> None:
    await bob_with_a_profile(client)
    page = await Browser(client).get("/@bob")

    parsed = mf2py.parse(doc=page, url="http://a.test/@bob")
    [card] = [item for item in parsed["items"] if "h-card" in item["type"]]
    props = card["properties"]
    assert props["name"] == ["Bob Baker"]
    assert props["job-title"] == ["Head of Bread at Crumb & Co"]
    assert props["url"][0] == "http://a.test/@bob"
    assert props["photo"][0]["value"].startswith("http://a.test/")
    assert props["note"][0].startswith("I bake.")
    assert parsed["rels"]["me"] == ["https://crumb.example/"]
    assert '<link rel="canonical" href="http://a.test/@bob">' in page
    assert '<meta property="og:title" content="Bob Baker (@bob@a.test)">' in page
    assert '<meta property="og:image" content="http://a.test/' in page
    assert 'property="og:description" content="Head of Bread at Crumb &amp; Co"' in page


async def test_older_posts_page_back(client: TestClient) -> None:
    await member_with_password(client, "bob")
    svc, bob = client.app[SERVICES], await member(client, "bob")
    for n in range(22):
        await personal.post_once(svc, bob, Draft(text=f"post number {n}"), None)
    browser = Browser(client)
    first = await browser.get("/@bob")
    assert "post number 21" in first and "post number 1<" not in first
    older = re.search(r'href="(/@bob\?max_id=\d+)"', first)
    assert older, "an Older posts link"
    second = await browser.get(older.group(1))
    assert "post number 1<" in second and "post number 0" in second
    assert "post number 21" not in second


async def test_connections_as_their_owner_allows(client: TestClient, browsers: object) -> None:
    svc = client.app[SERVICES]
    await bob_with_a_profile(client)
    for name in ("carol", "dan"):
        await member_with_password(client, name)
    await connect(client, "bob", "carol")
    listed = await Browser(client).get("/@bob/connections")
    assert "Carol" in listed and "Bob Baker's connections" in listed

    await actors.change_profile(svc, "bob", ProfileChanges(connections_visibility="connections"))
    stranger = Browser(client)
    page = await stranger.get("/@bob")
    assert "Only Bob Baker's connections can see" in page and "/@bob/connections" not in page
    refused = await stranger.get("/@bob/connections", status=403)
    assert "not visible to you" in refused

    carol = await browsers()  # type: ignore[operator]
    await carol.sign_in("carol")
    assert "Carol" in await carol.get("/@bob/connections")
    dan = await browsers()  # type: ignore[operator]
    await dan.sign_in("dan")
    await dan.get("/@bob/connections", status=403)

    await actors.change_profile(svc, "bob", ProfileChanges(connections_visibility="private"))
    await carol.get("/@bob/connections", status=403)
    bob = await browsers()  # type: ignore[operator]
    await bob.sign_in("bob")
    assert "Visible only to you" in await bob.get("/@bob/connections")


async def test_unknown_people_get_a_page_that_says_so(client: TestClient) -> None:
    browser = Browser(client)
    assert "no member called" in await browser.get("/@nobody", status=404)
    assert "no member called" in await browser.get("/@nobody/connections", status=404)
    page = await browser.get("/@someone@elsewhere.example", status=404)
    assert "sign in to look it up" in page


async def test_a_remote_profile_is_fetched_for_a_member(
    client: TestClient, in_process: Any
) -> None:
    other = await in_process("b")
    svc = other.app[SERVICES]
    await members.create_member(svc.db, "dora", display_name="Dora Dough")
    await actors.change_profile(
        svc, "dora", ProfileChanges(headline="Miller", skills=["Milling"], location="Arles")
    )
    acct = f"dora@{other.config.domain}"

    anonymous = Browser(client)
    page = await anonymous.get(f"/@{acct}", status=404)
    assert "sign in to look it up" in page

    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.sign_in("bob")
    page = await browser.get(f"/@{acct}")
    for text in ("Dora Dough", "Miller", "Arles", "Milling", "This profile is on another instance"):
        assert text in page, text
    assert f'href="{other.base_url}/@dora"' in page  # canonical: their own page
    assert '<meta name="robots" content="noindex">' in page
    assert "Connect" in page and "Follow" in page
    # known now: anyone may see what is known, without a fetch
    client.session.cookie_jar.clear()
    assert "Dora Dough" in await Browser(client).get(f"/@{acct}")
    listed = await Browser(client).get(f"/@{acct}/connections", status=404)
    assert "listed on their own server" in listed
    await browser.sign_in("bob")
    missing = await browser.get(f"/@nobody@{other.config.domain}", status=404)
    assert "No one called @nobody@" in missing
