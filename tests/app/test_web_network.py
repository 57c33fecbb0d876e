"""My network in a browser: connections, requests, introductions and people you may
know, each action with and without htmx, refusals as pages that say why."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from webclient import Browser
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
from server.services import connections, graph, introductions, members


@pytest.fixture
async def trio(client: TestClient) -> People:
    """ann, bea and cal; bea is connected to both, ann and cal are not connected."""
    found = await people(client, "ann", "bea", "cal")
    svc = client.app[SERVICES]
    await connect(svc, found["ann"], found["bea"], "we met at PyCon")
    await connect(svc, found["bea"], found["cal"])
    return found


# --- connections ---------------------------------------------------------------------------


async def test_connections_list_and_remove_with_confirmation(
    client: TestClient, signed_in: SignedIn, trio: People
) -> None:
    svc = client.app[SERVICES]
    bea = await signed_in("bea")
    page = await bea.get("/network")
    words = text_of(page)
    assert "You have 2 connections" in words
    assert "Ann" in words and "Cal" in words and "we met at PyCon" in words
    assert "Connected" in words
    # Without JavaScript: a page asks first, then the form removes.
    confirm = await bea.get(f"/network/connections/{trio['ann'].id}/remove")
    assert "Remove Ann from your connections?" in text_of(confirm)
    unconfirmed = await bea.post(f"/network/connections/{trio['ann'].id}/remove", {})
    assert unconfirmed.headers["Location"] == f"/network/connections/{trio['ann'].id}/remove"
    resp = await bea.post(f"/network/connections/{trio['ann'].id}/remove", {"confirm": "1"})
    assert resp.headers["Location"] == "/network"
    assert "no longer connected with Ann" in text_of(await bea.get("/network"))
    states = await connections.states(svc, trio["bea"], [trio["ann"].id, trio["cal"].id])
    assert states.connected == {trio["cal"].id}
    # With htmx: the row, saying so.
    resp = await bea.post(
        f"/network/connections/{trio['cal'].id}/remove", {"confirm": "1"}, status=200, headers=HTMX
    )
    assert 'id="connection-' in resp.body_text and "no longer connected with Cal" in resp.body_text
    assert "<html" not in resp.body_text
    # Again: not connected any more, said in a 404 page (and in the row for htmx).
    again = await bea.post(f"/network/connections/{trio['cal'].id}/remove", {"confirm": "1"}, 404)
    assert "not connected" in again.body_text and "My network" in again.body_text
    row = await bea.post(
        f"/network/connections/{trio['cal'].id}/remove", {"confirm": "1"}, 200, headers=HTMX
    )
    assert "not connected" in row.body_text and 'role="alert"' in row.body_text
    await bea.get(f"/network/connections/{trio['cal'].id}/remove", status=404)
    await bea.get("/network/connections/999999999999/remove", status=404)


async def test_connections_are_paged(client: TestClient, signed_in: SignedIn) -> None:
    found = await people(client, "hub", *(f"p{n}" for n in range(26)))
    svc = client.app[SERVICES]
    for n in range(26):
        await connect(svc, found[f"p{n}"], found["hub"])
    hub = await signed_in("hub")
    first = await hub.get("/network")
    assert first.count('class="net-row"') == 24 and "/network?page=2" in first
    second = await hub.get("/network?page=2")
    assert second.count('class="net-row"') == 2 and "/network?page=1" in second
    assert "No more connections" in await hub.get("/network?page=9")
    await hub.get("/network?page=nonsense")  # the first page


async def test_pages_need_a_member(client: TestClient) -> None:
    visitor = Browser(client)
    for path in ("/network", "/network/requests", "/network/introductions", "/network/suggestions"):
        resp = await visitor.client.get(path, allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"].startswith("/signin?next=")


# --- connection requests -------------------------------------------------------------------


async def test_requests_received_accept_and_decline(
    client: TestClient, signed_in: SignedIn
) -> None:
    found = await people(client, "ann", "bea", "cal")
    svc = client.app[SERVICES]
    first = await connections.request(svc, found["ann"], found["bea"], "loved your talk")
    second = await connections.request(svc, found["cal"], found["bea"], "")
    bea = await signed_in("bea")
    page = await bea.get("/network/requests")
    words = text_of(page)
    assert "Received" in words and "loved your talk" in words and "Asked to connect" in words
    assert 'class="tab-badge">2' in page
    resp = await bea.post(f"/network/requests/{first.id}/accept", {}, headers={"Referer": "/x"})
    assert resp.headers["Location"] == "/x"
    assert "You and Ann are now connected" in text_of(await bea.get("/network/requests"))
    resp = await bea.post(f"/network/requests/{second.id}/decline", {}, 200, headers=HTMX)
    assert f'id="request-{second.id}"' in resp.body_text and "Declined" in resp.body_text
    states = await connections.states(svc, found["bea"], [found["ann"].id, found["cal"].id])
    assert states.connected == {found["ann"].id} and not states.received


async def test_requests_sent_and_withdrawn(client: TestClient, signed_in: SignedIn) -> None:
    found = await people(client, "ann", "bea")
    svc = client.app[SERVICES]
    sent = await connections.request(svc, found["ann"], found["bea"], "hello")
    ann = await signed_in("ann")
    words = text_of(await ann.get("/network/requests"))
    assert "Sent" in words and "Bea" in words and "You asked" in words
    resp = await ann.post(f"/network/requests/{sent.id}/withdraw", {}, 200, headers=HTMX)
    assert "Withdrawn" in resp.body_text
    # Acting again: the request is withdrawn, said as a 409 page.
    again = await ann.post(f"/network/requests/{sent.id}/withdraw", {}, 409)
    assert "withdrawn" in again.body_text and "Requests" in again.body_text


async def test_someone_elses_request_or_an_unknown_id_is_refused(
    client: TestClient, signed_in: SignedIn
) -> None:
    found = await people(client, "ann", "bea", "cal")
    svc = client.app[SERVICES]
    sent = await connections.request(svc, found["ann"], found["bea"], "")
    cal = await signed_in("cal")
    for action in ("accept", "decline", "withdraw"):
        resp = await cal.post(f"/network/requests/{sent.id}/{action}", {}, 404)
        assert "Connection request not found" in resp.body_text
    resp = await cal.post("/network/requests/99999999999999999999999/accept", {}, 404)
    assert "not found" in resp.body_text
    resp = await cal.post("/network/requests/abc/accept", {}, 404)
    row = await cal.post(f"/network/requests/{sent.id}/accept", {}, 200, headers=HTMX)
    assert "Connection request not found" in row.body_text and "<html" not in row.body_text
    bea = await signed_in("bea")
    await bea.post(f"/network/requests/{sent.id}/withdraw", {}, 404)  # only ann may


async def test_follow_requests_of_a_locked_account(client: TestClient, signed_in: SignedIn) -> None:
    found = await people(client, "ann", "bea", "cal")
    svc = client.app[SERVICES]
    await members.update_profile(client.app[DB], "bea", members.ProfileChanges(locked=True))
    bea_row = await members.get_member(client.app[DB], "bea")
    await graph.follow(svc, found["ann"], bea_row)
    await graph.follow(svc, found["cal"], bea_row)
    bea = await signed_in("bea")
    words = text_of(await bea.get("/network/requests"))
    assert "Follow requests" in words and "Asked to follow you" in words and "locked" in words
    resp = await bea.post(f"/network/follow-requests/{found['ann'].id}/approve", {})
    assert resp.status == 303
    resp = await bea.post(
        f"/network/follow-requests/{found['cal'].id}/reject", {}, 200, headers=HTMX
    )
    assert "Rejected" in resp.body_text
    [rel_ann, rel_cal] = await graph.relationships(svc, bea_row, [found["ann"].id, found["cal"].id])
    assert rel_ann.followed_by and not rel_cal.followed_by and not rel_cal.requested_by
    again = await bea.post(f"/network/follow-requests/{found['cal'].id}/approve", {}, 404)
    assert "Follow request not found" in again.body_text


async def test_request_lists_are_paged(client: TestClient, signed_in: SignedIn) -> None:
    found = await people(client, "star", *(f"f{n}" for n in range(12)))
    svc = client.app[SERVICES]
    for n in range(12):
        await connections.request(svc, found[f"f{n}"], found["star"], f"note {n}")
    star = await signed_in("star")
    page = await star.get("/network/requests")
    assert page.count('id="request-') == 10 and "/network/requests?show=received" in page
    alone = await star.get("/network/requests?show=received")
    assert alone.count('id="request-') == 12 and "All requests" in alone
    oldest = re.findall(r'id="request-(\d+)"', alone)[-1]
    assert "No requests waiting" in await star.get(
        f"/network/requests?show=received&max_id={oldest}"
    )


# --- connect -------------------------------------------------------------------------------


async def test_connect_from_a_card_with_and_without_htmx(
    client: TestClient, signed_in: SignedIn
) -> None:
    found = await people(client, "ann", "bea", "cal")
    ann = await signed_in("ann")
    resp = await ann.post(f"/network/connect/{found['bea'].id}", {}, headers={"Referer": "/search"})
    assert resp.headers["Location"] == "/search"
    assert "Your request to connect was sent to Bea" in text_of(await ann.get("/network"))
    resp = await ann.post(f"/network/connect/{found['cal'].id}", {}, 200, headers=HTMX)
    assert "Request sent" in resp.body_text and 'class="person-card-actions"' in resp.body_text
    cal = await signed_in("cal")
    assert "Ann" in text_of(await cal.get("/network/requests"))
    # cal asks ann back: that accepts ann's request.
    resp = await cal.post(f"/network/connect/{found['ann'].id}", {}, 200, headers=HTMX)
    assert "now connected" in resp.body_text


async def test_connect_with_a_note_and_its_refusals(
    client: TestClient, signed_in: SignedIn
) -> None:
    found = await people(client, "ann", "bea")
    ann = await signed_in("ann")
    page = await ann.get(f"/network/connect/{found['bea'].id}")
    assert "Connect with Bea" in text_of(page) and 'for="field-note"' in page
    long = "x" * 501
    resp = await ann.post(f"/network/connect/{found['bea'].id}", {"note": long}, 422)
    assert "longer than 500 characters" in resp.body_text and long in resp.body_text
    assert 'aria-invalid="true"' in resp.body_text
    resp = await ann.post(
        f"/network/connect/{found['bea'].id}",
        {"note": "we met", "next": "/network/requests?show=sent"},
    )
    assert resp.headers["Location"] == "/network/requests?show=sent"
    assert "we met" in await ann.get("/network/requests?show=sent")
    resp = await ann.post(f"/network/connect/{found['ann'].id}", {}, 422)
    assert "cannot connect with yourself" in resp.body_text
    resp = await ann.post("/network/connect/123456789", {}, 404)
    assert "not found" in resp.body_text.lower()
    row = await ann.post("/network/connect/123456789", {}, 200, headers=HTMX)
    assert 'role="alert"' in row.body_text


# --- introductions -------------------------------------------------------------------------


async def intro_for(client: TestClient, trio: People, reason: str = "to talk about ML") -> int:
    svc = client.app[SERVICES]
    intro = await introductions.request(svc, trio["ann"], trio["cal"], trio["bea"], reason)
    return intro.id


async def test_introduction_states_in_words_for_each_role(
    client: TestClient, signed_in: SignedIn, trio: People
) -> None:
    intro_id = await intro_for(client, trio)
    ann, bea, cal = [await signed_in(n) for n in ("ann", "bea", "cal")]
    assert "Waiting for Bea to introduce you to Cal" in text_of(
        await ann.get("/network/introductions")
    )
    page = await bea.get("/network/introductions")
    assert "Ann would like you to introduce them to Cal" in text_of(page)
    assert "to talk about ML" in page and 'class="tab-badge">1' in page
    assert "No introductions offered to you yet" in text_of(await cal.get("/network/introductions"))

    # bea forwards with a note (without JavaScript), cal sees the offer.
    resp = await bea.post(f"/network/introductions/{intro_id}/forward", {"note": "Cal knows ML"})
    assert resp.status == 303
    assert "You introduced Ann; waiting for Cal to answer" in text_of(
        await bea.get("/network/introductions")
    )
    # The requester never learns it was forwarded.
    assert "Waiting for Bea to introduce you to Cal" in text_of(
        await ann.get("/network/introductions")
    )
    page = text_of(await cal.get("/network/introductions"))
    assert "Bea would like to introduce you to Ann" in page and "Cal knows ML" in page

    # cal accepts with htmx: the row says so, and everyone's words change.
    resp = await cal.post(f"/network/introductions/{intro_id}/accept", {}, 200, headers=HTMX)
    assert "You accepted: you and Ann are connected" in text_of(resp.body_text)
    assert 'href="/@bea/' in resp.body_text  # the three-way conversation bea's instance opened
    assert "Cal accepted: you are connected" in text_of(await ann.get("/network/introductions"))
    page = await bea.get(f"/network/introductions/{intro_id}")
    assert "Cal accepted: Ann and Cal are connected" in text_of(page)
    assert "Open the conversation" in page


async def test_declined_introductions_reach_the_requester_as_not_now(
    client: TestClient, signed_in: SignedIn, trio: People
) -> None:
    ann, bea, cal = [await signed_in(n) for n in ("ann", "bea", "cal")]
    first = await intro_for(client, trio)
    resp = await bea.post(f"/network/introductions/{first}/decline", {}, 200, headers=HTMX)
    assert "You declined. Ann hears only “not now”" in text_of(resp.body_text)
    assert "Not now" in text_of(await ann.get(f"/network/introductions/{first}"))

    second = await intro_for(client, trio, "another try")
    await bea.post(f"/network/introductions/{second}/forward", {"note": ""})
    resp = await cal.post(
        f"/network/introductions/{second}/decline", {}, headers={"Referer": "/notifications"}
    )
    assert resp.headers["Location"] == "/notifications"
    assert "You declined the introduction to Ann" in text_of(
        await cal.get(f"/network/introductions/{second}")
    )
    assert "Cal declined. Ann hears only “not now”" in text_of(
        await bea.get(f"/network/introductions/{second}")
    )
    words = text_of(await ann.get(f"/network/introductions/{second}"))
    assert "Not now" in words and "Cal declined" not in words


async def test_withdrawing_an_introduction(
    client: TestClient, signed_in: SignedIn, trio: People
) -> None:
    intro_id = await intro_for(client, trio)
    ann, bea = await signed_in("ann"), await signed_in("bea")
    resp = await ann.post(f"/network/introductions/{intro_id}/withdraw", {}, 200, headers=HTMX)
    assert "You withdrew your request to meet Cal" in text_of(resp.body_text)
    assert "Ann withdrew this request" in text_of(await bea.get("/network/introductions"))
    again = await ann.post(f"/network/introductions/{intro_id}/withdraw", {}, 409)
    assert "This introduction is withdrawn" in again.body_text


async def test_introduction_refusals(client: TestClient, signed_in: SignedIn, trio: People) -> None:
    intro_id = await intro_for(client, trio)
    ann, bea, cal = [await signed_in(n) for n in ("ann", "bea", "cal")]
    # A note too long: the same tab again, the note kept next to its error.
    long = "n" * 1001
    resp = await bea.post(f"/network/introductions/{intro_id}/forward", {"note": long}, 422)
    assert "longer than 1000 characters" in resp.body_text and long in resp.body_text
    assert f'id="error-note-{intro_id}"' in resp.body_text
    resp = await bea.post(
        f"/network/introductions/{intro_id}/forward", {"note": long, "view": "detail"}, 422
    )
    assert "All introductions" in resp.body_text and long in resp.body_text
    row = await bea.post(
        f"/network/introductions/{intro_id}/forward", {"note": long}, 200, headers=HTMX
    )
    assert "longer than 1000" in row.body_text and long in row.body_text
    # Not theirs to take: 404 for other people, 409 for a step out of turn.
    await cal.post(f"/network/introductions/{intro_id}/accept", {}, 404)  # not forwarded to her
    await ann.post(f"/network/introductions/{intro_id}/forward", {"note": ""}, 404)
    await cal.get(f"/network/introductions/{intro_id}", status=404)
    resp = await bea.post("/network/introductions/77777/decline", {}, 404)
    assert "Introduction not found" in resp.body_text
    await bea.get("/network/introductions/notanumber", status=404)
    await bea.post(f"/network/introductions/{intro_id}/forward", {"note": ""})
    again = await bea.post(f"/network/introductions/{intro_id}/forward", {"note": ""}, 409)
    assert "This introduction is forwarded" in again.body_text


# --- people you may know ---------------------------------------------------------------------


async def test_people_you_may_know_with_mutual_faces_and_connect(
    client: TestClient, signed_in: SignedIn, trio: People
) -> None:
    ann = await signed_in("ann")
    page = await ann.get("/network/suggestions")
    words = text_of(page)
    assert "Cal" in words and "1 mutual connection" in words
    assert "mutual connection: Bea" in words  # the faces, named for screen readers
    resp = await ann.post(f"/network/connect/{trio['cal'].id}", {}, 200, headers=HTMX)
    assert "Request sent" in resp.body_text
    assert "Request sent" in text_of(await ann.get("/network/suggestions"))
    assert "No more suggestions" in await ann.get("/network/suggestions?page=5")


async def test_network_pages_render_for_someone_new(
    client: TestClient, signed_in: SignedIn
) -> None:
    await people(client, "newbie")
    browser = await signed_in("newbie")
    assert "No connections yet" in await browser.get("/network")
    assert "No requests waiting for you" in text_of(await browser.get("/network/requests"))
    assert "You have not asked for an introduction yet" in text_of(
        await browser.get("/network/introductions")
    )
    assert "No suggestions yet" in await browser.get("/network/suggestions")
