"""Search in a browser: members by name, skill, headline and location; handles and
profile URLs on another instance (a second app on a real port); hashtags; the empty
search; refusals."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient
from webclient import Browser
from webpeople import (
    HTMX,
    SignedIn,
    connect,
    people,
    signed_in_fixture,  # noqa: F401  (the signed_in fixture)
    text_of,
)

from server.appkeys import DB, SERVICES
from server.services import members, posts, search
from server.services.members import ProfileChanges


async def profile(client: TestClient, name: str, **changes: Any) -> None:
    await members.update_profile(client.app[DB], name, ProfileChanges(**changes))


def names_in(page: str) -> list[str]:
    """The people on a results page, in order."""
    return re.findall(r'class="person-name" href="/@([^"]+)"', page)


async def test_members_by_name_skill_headline_and_location(client: TestClient) -> None:
    await people(client, "ann", "bea", "cal", "pythonista")
    await profile(client, "ann", display_name="Ann Lee", location="Berlin", skills=["Python"])
    await profile(client, "bea", headline="Data engineer", location="Lisbon", skills=["SQL"])
    await profile(client, "cal", display_name="Cal Python-Smith", location="Berlin")
    visitor = Browser(client)
    assert names_in(await visitor.get("/search?q=lisbon")) == ["bea"]
    assert names_in(await visitor.get("/search?q=data+engineer")) == ["bea"]
    assert names_in(await visitor.get("/search?q=ann")) == ["ann"]
    # A name that starts with the query first, then a word of a name, then a skill.
    found = names_in(await visitor.get("/search?q=python"))
    assert found == ["pythonista", "cal", "ann"]
    # Every word must match.
    assert names_in(await visitor.get("/search?q=python+berlin")) == ["cal", "ann"]
    assert names_in(await visitor.get("/search?q=sql+berlin")) == []
    words = text_of(await visitor.get("/search?q=sql+berlin"))
    assert "No members match every word" in words


async def test_skills_are_matched_one_by_one(client: TestClient) -> None:
    await people(client, "ann", "bea")
    await profile(client, "ann", skills=["Café management", "Go"])
    await profile(client, "bea", skills=["Cafe", "Management"])
    visitor = Browser(client)
    assert names_in(await visitor.get("/search?q=café")) == ["ann"]
    # Not across two skills (the JSON text would read "Cafe", "Management").
    assert names_in(await visitor.get("/search?q=cafe%22%2C+%22man")) == []
    # A skill that is the query before one that contains it.
    assert names_in(await visitor.get("/search?q=management")) == ["bea", "ann"]
    # Wildcards are only letters here.
    assert names_in(await visitor.get("/search?q=%25")) == []
    assert names_in(await visitor.get("/search?q=_")) == []


async def test_members_who_are_not_discoverable_are_found_only_by_username(
    client: TestClient,
) -> None:
    await people(client, "quiet")
    await profile(client, "quiet", location="Paris", discoverable=False)
    visitor = Browser(client)
    assert names_in(await visitor.get("/search?q=paris")) == []
    assert names_in(await visitor.get("/search?q=quiet")) == ["quiet"]


async def test_results_say_where_the_member_stands_and_connect_in_place(
    client: TestClient, signed_in: SignedIn
) -> None:
    found = await people(client, "ann", "bea", "cal")
    await profile(client, "cal", headline="Designer", skills=["Figma", "Research"])
    svc = client.app[SERVICES]
    await connect(svc, found["ann"], found["bea"])
    ann = await signed_in("ann")
    page = await ann.get("/search?q=bea")
    assert "Connected" in text_of(page)
    page = await ann.get("/search?q=designer")
    assert "Figma" in page and f'action="/network/connect/{found["cal"].id}"' in page
    resp = await ann.post(f"/network/connect/{found['cal'].id}", {}, 200, headers=HTMX)
    assert "Request sent" in resp.body_text
    assert "Request sent" in text_of(await ann.get("/search?q=designer"))
    assert "This is you" in text_of(await ann.get("/search?q=ann"))


async def test_hashtags(client: TestClient) -> None:
    found = await people(client, "ann")
    svc = client.app[SERVICES]
    await posts.create_status(svc, found["ann"], posts.Draft("We are #hiring engineers"))
    visitor = Browser(client)
    page = await visitor.get("/search?q=%23hir")
    assert 'href="/tags/hiring"' in page and "#hiring" in page
    assert 'href="/tags/hiring"' in await visitor.get("/search?q=hiring")
    page = await visitor.get("/search?q=%23nothing")
    assert "No posts with this hashtag yet" in page and 'href="/tags/nothing"' in page


async def test_the_empty_search_helps(client: TestClient, signed_in: SignedIn) -> None:
    found = await people(client, "ann", "bea", "cal")
    svc = client.app[SERVICES]
    await connect(svc, found["ann"], found["bea"])
    await connect(svc, found["bea"], found["cal"])
    visitor = Browser(client)
    words = text_of(await visitor.get("/search"))
    assert "Finding people" in words and "@ada@example.social" in words
    assert "Sign in to look up people on other instances" in words
    ann = await signed_in("ann")
    words = text_of(await ann.get("/search"))
    assert "People you may know" in words and "Cal" in words and "1 mutual connection" in words


async def test_a_search_too_long_is_refused_and_kept(client: TestClient) -> None:
    visitor = Browser(client)
    query = "a" * 250
    page = await visitor.get(f"/search?q={query}", status=422)
    assert "at most 200 characters" in page and 'aria-invalid="true"' in page
    assert 'value="' + "a" * 200 + '"' in page


async def test_a_local_profile_url_or_handle(client: TestClient) -> None:
    await people(client, "ann")
    visitor = Browser(client)
    assert names_in(await visitor.get("/search?q=@ann@a.test")) == ["ann"]
    base = client.app[SERVICES].urls.base
    assert names_in(await visitor.get(f"/search?q={base}/@ann")) == ["ann"]
    assert names_in(await visitor.get(f"/search?q={base}/users/ann")) == ["ann"]
    page = await visitor.get("/search?q=@nobody@a.test")
    assert "No one by that name is known here yet" in text_of(page)


async def test_a_handle_on_another_instance_is_resolved_for_members(
    client: TestClient, signed_in: SignedIn, in_process: Any
) -> None:
    other = await in_process("b")
    await members.create_member(other.app[DB], "zoe", display_name="Zoe Zhang")
    changes = ProfileChanges(headline="Robotics researcher")
    await members.update_profile(other.app[DB], "zoe", changes)
    handle = f"@zoe@{other.config.domain}"
    await people(client, "ann")
    # A visitor does not make this instance fetch: only what is known here.
    visitor = Browser(client)
    words = text_of(await visitor.get(f"/search?q={handle}"))
    assert "No one by that name is known here yet" in words and "Sign in" in words
    assert await search.lookup(client.app[SERVICES], handle.lstrip("@")) is None
    # A member's search looks the handle up by WebFinger and fetches the profile.
    ann = await signed_in("ann")
    page = await ann.get(f"/search?q={handle}")
    assert "Zoe Zhang" in page and "Robotics researcher" in page
    assert f'href="/@zoe@{other.config.domain}"' in page and "On other instances" in page
    known = await search.lookup(client.app[SERVICES], handle.lstrip("@"))
    assert known is not None and not known.is_local
    # Now known here: a visitor finds it too, and so does a search by name.
    assert "Zoe Zhang" in await visitor.get(f"/search?q={handle}")
    assert "Zoe Zhang" in await ann.get("/search?q=zo")
    # Her profile's address works as well.
    assert "Zoe Zhang" in await ann.get(f"/search?q={other.config.base_url}/users/zoe")
    page = await ann.get(f"/search?q=@nobody@{other.config.domain}")
    assert "No one could be found there" in text_of(page)
