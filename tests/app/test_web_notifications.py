"""Notifications in a browser: every kind in words, inline actions, filters, the seen
mark behind the badge, and new ones arriving live over /live."""

from __future__ import annotations

import asyncio
import re

import pytest
from aiohttp.test_utils import TestClient
from webclient import ACCEPT_HTML
from webpeople import (
    HTMX,
    People,
    SignedIn,
    connect,
    people,
    signed_in_fixture,  # noqa: F401  (the signed_in fixture)
    text_of,
)

from server.appkeys import DB, SERVICES
from server.services import (
    connections,
    endorsements,
    graph,
    interactions,
    introductions,
    members,
    posts,
    recommendations,
)


@pytest.fixture
async def busy(client: TestClient) -> People:
    """ann, with something of every kind waiting in her notifications."""
    svc, db = client.app[SERVICES], client.app[DB]
    found = await people(client, "ann", "bea", "cal", "dan", "eve", "fay")
    await members.update_profile(db, "ann", members.ProfileChanges(skills=["Python", "Go"]))
    ann = found["ann"] = await members.get_member(db, "ann")
    bea, cal, dan, eve = found["bea"], found["cal"], found["dan"], found["eve"]
    await connect(svc, bea, ann)  # ann: connection_accepted (from ann's point: she accepted)
    await connect(svc, bea, dan)
    own = await posts.create_status(svc, ann, posts.Draft("Hiring a data engineer"))
    await interactions.favourite(svc, bea, own.id)
    await interactions.reblog(svc, bea, own.id)
    await posts.create_status(svc, bea, posts.Draft("@ann have you met Dan?"))
    await graph.follow(svc, cal, ann)  # said by the connection's notice, below
    await graph.follow(svc, found["fay"], ann)
    await connections.request(svc, eve, ann, "we met at the meetup")
    sent = await connections.request(svc, ann, cal, "")
    await connections.answer(svc, cal, sent.id, accept=True)
    await endorsements.endorse(svc, bea, ann, "python")
    await recommendations.recommend(svc, bea, ann, "Ann shipped our data platform on time.")
    intro = await introductions.request(svc, ann, dan, bea, "to hire a data engineer")
    await introductions.forward(svc, bea, intro.id, "Dan is great")
    await introductions.accept(svc, dan, intro.id)
    asked = await introductions.request(svc, dan, cal, ann, "to learn Go")  # ann introduces
    assert asked.id
    return found


async def test_every_kind_in_words(client: TestClient, busy: People, signed_in: SignedIn) -> None:
    ann = await signed_in("ann")
    page = await ann.get("/notifications")
    words = text_of(page)
    for sentence in (
        "Bea liked your post",
        "Bea boosted your post",
        "Bea mentioned you",
        "Fay followed you",
        "Eve would like to connect with you",
        "we met at the meetup",
        "Cal accepted your request: you are now connected",
        "Bea endorsed you for Python",
        "Bea wrote a recommendation for you",
        "Ann shipped our data platform on time.",
        "Dan accepted your introduction: you are now connected",
        "Dan asks you to introduce them to Cal",
        "to learn Go",
    ):
        assert sentence in words, sentence
    assert "Cal followed you" not in words  # they connected since: one notice says it
    assert "Hiring a data engineer" in words  # the post liked, linked
    assert re.search(r'href="/@ann/\d+"', page)
    assert 'href="/network/introductions/' in page and "Answer" in words
    assert "Show on my profile" in words and 'action="/network/requests/' in page


async def test_viewing_marks_them_seen(
    client: TestClient, busy: People, signed_in: SignedIn
) -> None:
    ann = await signed_in("ann")
    before = await ann.get("/about")
    assert re.search(r'class="nav-badge">\d+', before)
    page = await ann.get("/notifications")
    assert "nav-badge" not in page  # seen as the page is shown
    assert 'class="notice-item unseen"' in page and "New" in page
    again = await ann.get("/notifications")
    assert "nav-badge" not in again and "unseen" not in again
    svc = client.app[SERVICES]
    [bea, ann_row] = busy["bea"], busy["ann"]
    await posts.create_status(svc, bea, posts.Draft("@ann one more thing"))
    assert 'class="nav-badge">1<' in await ann.get("/about")
    # A filtered page does not mark anything seen.
    await ann.get("/notifications?filter=network")
    assert 'class="nav-badge">1<' in await ann.get("/about")
    assert ann_row.id


async def test_filters(client: TestClient, busy: People, signed_in: SignedIn) -> None:
    ann = await signed_in("ann")
    mentions = text_of(await ann.get("/notifications?filter=mentions"))
    assert "Bea mentioned you" in mentions and "liked your post" not in mentions
    network = text_of(await ann.get("/notifications?filter=network"))
    assert "Eve would like to connect with you" in network and "Fay followed you" in network
    assert "mentioned you" not in network and "liked your post" not in network
    assert "Bea mentioned you" in text_of(await ann.get("/notifications?filter=nonsense"))


async def test_inline_actions(client: TestClient, busy: People, signed_in: SignedIn) -> None:
    svc = client.app[SERVICES]
    ann = await signed_in("ann")
    page = await ann.get("/notifications")
    request_id = re.search(r'action="/network/requests/(\d+)/accept"', page).group(1)  # type: ignore[union-attr]
    resp = await ann.post(
        f"/network/requests/{request_id}/accept", {"view": "inline"}, 200, headers=HTMX
    )
    assert "You and Eve are now connected" in resp.body_text and "<li" not in resp.body_text
    again = await ann.post(
        f"/network/requests/{request_id}/accept", {"view": "inline"}, 200, headers=HTMX
    )
    assert "accepted" in again.body_text and 'role="alert"' in again.body_text
    assert "You are connected" in text_of(await ann.get("/notifications"))

    rec_id = re.search(r"/notifications/recommendations/(\d+)/approve", page).group(1)  # type: ignore[union-attr]
    resp = await ann.post(
        f"/notifications/recommendations/{rec_id}/approve", {"view": "inline"}, 200, headers=HTMX
    )
    assert "Bea's recommendation is on your profile now" in text_of(resp.body_text)
    assert "On your profile" in text_of(await ann.get("/notifications"))
    # Without JavaScript: back where it came from, with the message.
    resp = await ann.post(f"/notifications/recommendations/{rec_id}/decline", {}, 409)
    assert "approved" in resp.body_text
    resp = await ann.post("/notifications/recommendations/1234/approve", {}, 404)
    assert "Recommendation not found" in resp.body_text
    resp = await ann.post(
        f"/network/connect/{busy['cal'].id}", {"view": "inline"}, 200, headers=HTMX
    )
    assert "already connected" in resp.body_text  # cal followed ann; they are connected
    [rel] = await graph.relationships(svc, busy["ann"], [busy["cal"].id])
    assert rel.followed_by


async def test_someone_elses_recommendation_is_not_found(
    client: TestClient, busy: People, signed_in: SignedIn
) -> None:
    ann = await signed_in("ann")
    rec_id = re.search(  # type: ignore[union-attr]
        r"/notifications/recommendations/(\d+)/approve", await ann.get("/notifications")
    ).group(1)
    cal = await signed_in("cal")
    resp = await cal.post(f"/notifications/recommendations/{rec_id}/approve", {}, 404)
    assert "Recommendation not found" in resp.body_text


async def test_an_empty_page_says_what_will_come(client: TestClient, signed_in: SignedIn) -> None:
    await people(client, "newbie")
    browser = await signed_in("newbie")
    assert "Nothing here yet" in await browser.get("/notifications")
    assert "Nothing of this kind yet" in await browser.get("/notifications?filter=mentions")


async def test_older_notifications_are_paged(client: TestClient, signed_in: SignedIn) -> None:
    found = await people(client, "ann", *(f"f{n}" for n in range(32)))
    svc = client.app[SERVICES]
    for n in range(32):
        await graph.follow(svc, found[f"f{n}"], found["ann"])
    ann = await signed_in("ann")
    page = await ann.get("/notifications")
    assert page.count('class="notice-item') == 30
    older = re.search(r'href="/notifications\?max_id=(\d+)"', page)
    assert older is not None
    rest = await ann.get(f"/notifications?max_id={older.group(1)}")
    assert rest.count('class="notice-item') == 2 and "Older notifications" not in rest


async def read_events(resp: object, wanted: str) -> dict[str, str]:
    """Server-sent events until one named ``wanted`` arrived: {name: data}."""
    found: dict[str, str] = {}
    name, data = "message", []
    content = resp.content  # type: ignore[attr-defined]
    while wanted not in found:
        line = (await asyncio.wait_for(content.readline(), 5)).decode().rstrip("\n")
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))
        elif line == "" and data:
            found[name] = "\n".join(data)
            name, data = "message", []
    return found


async def test_a_new_notification_arrives_live(client: TestClient, signed_in: SignedIn) -> None:
    found = await people(client, "ann", "bea")
    svc = client.app[SERVICES]
    ann = await signed_in("ann")
    page = await ann.get("/notifications")
    assert 'sse-swap="notification" hx-swap="afterbegin"' in page
    async with ann.client.get("/live", headers=ACCEPT_HTML) as resp:
        assert resp.status == 200
        await asyncio.wait_for(resp.content.readline(), 5)  # ": connected"
        await connections.request(svc, found["bea"], found["ann"], "hello from Bea")
        events = await read_events(resp, "notification")
    item = events["notification"]
    assert 'class="notice-item unseen"' in item and "hello from Bea" in item
    assert "Bea would like to connect with you" in text_of(item)
    assert 'action="/network/requests/' in item and 'name="csrf_token"' in item
    assert 'class="nav-badge">1' in events["unread"]
