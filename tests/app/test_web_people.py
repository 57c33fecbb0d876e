"""Acting on a person from their profile, with and without htmx: follow, connect,
endorse, recommend, ask for an introduction, and every refusal in words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from webclient import Browser, member_with_password

from server.appkeys import SERVICES
from server.config import NetworkSettings, with_overrides
from server.services import actors, connections, endorsements, graph, introductions, recommendations
from server.services.members import ProfileChanges
from server.store.statuses import Page
from tests.app.test_web_profile import connect, member

HTMX = {"HX-Request": "true"}
Browsers = Callable[[], Awaitable[Browser]]


async def signed_in(client: TestClient, name: str, browsers: Browsers | None = None) -> Browser:
    browser = await browsers() if browsers else Browser(client)
    await browser.sign_in(name)
    return browser


async def people(client: TestClient, *names: str) -> None:
    for name in names:
        await member_with_password(client, name)


async def on_profile(browser: Browser, path: str) -> dict[str, str]:
    """Read the profile (for its CSRF token) and say we came from it."""
    await browser.get(path)
    return {"Referer": f"http://a.test{path}"}


async def test_follow_and_unfollow_without_javascript(client: TestClient) -> None:
    await people(client, "bob", "carol")
    browser = await signed_in(client, "bob")
    carol = await member(client, "carol")
    back = await on_profile(browser, "/@carol")
    resp = await browser.post(f"/people/{carol.id}/follow", headers=back)
    assert resp.headers["Location"] == "/@carol"
    page = await browser.get("/@carol")
    assert "You now follow Carol." in page and "Unfollow" in page
    await browser.post(f"/people/{carol.id}/unfollow", headers=back)
    page = await browser.get("/@carol")
    assert "You no longer follow Carol." in page and ">Follow<" in page


async def test_follow_with_htmx_answers_the_box(client: TestClient) -> None:
    await people(client, "bob", "carol")
    browser = await signed_in(client, "bob")
    carol = await member(client, "carol")
    await browser.get("/@carol")
    resp = await browser.post(f"/people/{carol.id}/follow", status=200, headers=HTMX)
    box = resp.body_text
    assert box.lstrip().startswith('<div id="relationship"') and "<html" not in box
    assert "You now follow Carol." in box and 'id="rel-follow"' in box and "Unfollow" in box
    [rel] = await graph.relationships(client.app[SERVICES], await member(client, "bob"), [carol.id])
    assert rel.following


async def test_a_locked_account_shows_requested_and_can_be_cancelled(client: TestClient) -> None:
    await people(client, "bob", "carol")
    await actors.change_profile(client.app[SERVICES], "carol", ProfileChanges(locked=True))
    browser = await signed_in(client, "bob")
    carol = await member(client, "carol")
    assert "Request to follow" in await browser.get("/@carol")
    box = (await browser.post(f"/people/{carol.id}/follow", status=200, headers=HTMX)).body_text
    assert "You asked to follow Carol." in box and "Follow requested" in box
    box = (await browser.post(f"/people/{carol.id}/unfollow", status=200, headers=HTMX)).body_text
    assert "Request to follow" in box


async def test_connect_with_a_note_then_accepted_then_removed(
    client: TestClient, browsers: Browsers
) -> None:
    svc = client.app[SERVICES]
    await people(client, "bob", "carol")
    bob_browser = await signed_in(client, "bob", browsers)
    bob, carol = await member(client, "bob"), await member(client, "carol")
    back = await on_profile(bob_browser, "/@carol")
    await bob_browser.post(
        f"/people/{carol.id}/connect", {"note": "We met at the bakers' fair"}, headers=back
    )
    page = await bob_browser.get("/@carol")
    assert "Your request to connect was sent to Carol." in page and "Request sent" in page

    carol_browser = await signed_in(client, "carol", browsers)
    theirs = await carol_browser.get("/@bob")
    assert "Bob would like to connect with you." in theirs
    assert "We met at the bakers&#39; fair" in theirs
    [request] = (await connections.requests(svc, carol, Page(), incoming=True)).requests
    await connections.answer(svc, carol, request.id, accept=True)

    page = await bob_browser.get("/@carol")
    assert "Connected" in page and "Remove connection" in page and "Recommend Carol" in page
    box = await bob_browser.post(f"/people/{carol.id}/disconnect", status=200, headers=HTMX)
    assert "You are no longer connected with Carol." in box.body_text
    assert not (await connections.between(svc, bob, carol)).connected


async def test_a_request_can_be_withdrawn_or_accepted_from_the_profile(
    client: TestClient, browsers: Browsers
) -> None:
    svc = client.app[SERVICES]
    await people(client, "bob", "carol")
    bob, carol = await member(client, "bob"), await member(client, "carol")
    bob_browser = await signed_in(client, "bob", browsers)
    await bob_browser.get("/@carol")
    await bob_browser.post(f"/people/{carol.id}/connect", {"note": ""}, status=200, headers=HTMX)
    box = await bob_browser.post(f"/people/{carol.id}/withdraw-request", status=200, headers=HTMX)
    assert "was withdrawn" in box.body_text and "Send request" in box.body_text
    assert (await connections.between(svc, bob, carol)).sent is None

    await connections.request(svc, bob, carol, "hello")
    carol_browser = await signed_in(client, "carol", browsers)
    back = await on_profile(carol_browser, "/@bob")
    await carol_browser.post(f"/people/{bob.id}/accept-request", headers=back)
    assert "You are now connected with Bob." in await carol_browser.get("/@bob")
    assert (await connections.between(svc, bob, carol)).connected


async def test_endorse_and_withdraw_with_and_without_htmx(client: TestClient) -> None:
    svc = client.app[SERVICES]
    await people(client, "bob", "carol")
    await actors.change_profile(svc, "carol", ProfileChanges(skills=["Pastry", "Bread"]))
    await connect(client, "bob", "carol")
    bob, carol = await member(client, "bob"), await member(client, "carol")
    browser = await signed_in(client, "bob")
    back = await on_profile(browser, "/@carol")
    await browser.post(f"/people/{carol.id}/endorse", {"skill": "Pastry"}, headers=back)
    page = await browser.get("/@carol")
    assert "You endorsed Carol for Pastry." in page and "Endorsed by 1 person" in page
    assert 'aria-pressed="true"><svg' in page  # the Endorsed button, pressed

    part = await browser.post(
        f"/people/{carol.id}/unendorse", {"skill": "Pastry"}, status=200, headers=HTMX
    )
    assert part.body_text.lstrip().startswith('<section class="card" id="skills"')
    assert "You withdrew your endorsement" in part.body_text
    assert await endorsements.given(svc, bob, carol) == {}
    part = await browser.post(
        f"/people/{carol.id}/endorse", {"skill": "Bread"}, status=200, headers=HTMX
    )
    assert "Endorsed by 1 person" in part.body_text and 'aria-pressed="true"' in part.body_text


async def test_refusals_are_said_in_words(client: TestClient) -> None:
    svc = client.app[SERVICES]
    await people(client, "bob", "carol")
    await actors.change_profile(svc, "carol", ProfileChanges(skills=["Pastry"]))
    carol = await member(client, "carol")
    browser = await signed_in(client, "bob")
    await browser.get("/@carol")
    refused = await browser.post(f"/people/{carol.id}/endorse", {"skill": "Pastry"}, status=422)
    assert "You can only endorse your connections" in refused.body_text
    assert "<html" in refused.body_text and "Carol" in refused.body_text  # the profile again
    part = await browser.post(
        f"/people/{carol.id}/endorse", {"skill": "Pastry"}, status=200, headers=HTMX
    )
    assert "You can only endorse your connections" in part.body_text
    long_note = "x" * 501
    refused = await browser.post(f"/people/{carol.id}/connect", {"note": long_note}, status=422)
    assert "Note is longer than 500 characters" in refused.body_text
    assert long_note in refused.body_text and '<details class="popover" open' in refused.body_text
    bob = await member(client, "bob")
    await browser.post(f"/people/{bob.id}/follow", status=422)  # oneself
    for path in (
        "/people/999999/follow", "/people/99999999999999999999/follow",
        f"/people/{carol.id}/dance", f"/people/{carol.id}/withdraw-request",
        f"/people/{carol.id}/withdraw-recommendation", f"/people/{carol.id}/unendorse",
    ):  # fmt: skip
        resp = await browser.post(path, {"skill": "Pastry"}, status=404)
        assert "<html" in resp.body_text and "Traceback" not in resp.body_text
    client.session.cookie_jar.clear()
    anonymous = Browser(client)
    await anonymous.get("/@carol")
    resp = await anonymous.post(f"/people/{carol.id}/follow", headers={"Referer": "/@carol"})
    assert resp.headers["Location"].startswith("/signin?next=")


async def test_recommend_then_approve_or_hide_on_ones_own_profile(
    client: TestClient, browsers: Browsers
) -> None:
    svc = client.app[SERVICES]
    await people(client, "bob", "carol", "dan")
    await connect(client, "bob", "carol")
    await connect(client, "dan", "carol")
    carol = await member(client, "carol")
    bob_browser = await signed_in(client, "bob", browsers)
    await bob_browser.get("/@carol")
    refused = await bob_browser.post(f"/people/{carol.id}/recommend", {"text": "  "}, status=422)
    assert "Text is required" in refused.body_text
    box = await bob_browser.post(
        f"/people/{carol.id}/recommend", {"text": "Carol bakes like nobody else."},
        status=200, headers=HTMX,
    )  # fmt: skip
    assert "Carol will approve it before it shows" in box.body_text
    assert "waiting for Carol's approval" in box.body_text
    dan_browser = await signed_in(client, "dan", browsers)
    back = await on_profile(dan_browser, "/@carol")
    await dan_browser.post(f"/people/{carol.id}/recommend", {"text": "Meh."}, headers=back)

    carol_browser = await signed_in(client, "carol", browsers)
    own = await carol_browser.get("/@carol")
    assert "Waiting for your approval" in own and "Carol bakes like nobody else." in own
    waiting = await recommendations.mine(svc, carol, Page(), direction="received", state="pending")
    by_text = {r.text: r.id for r in waiting}
    part = await carol_browser.post(
        f"/profile/recommendations/{by_text['Carol bakes like nobody else.']}/approve",
        status=200, headers=HTMX,
    )  # fmt: skip
    assert part.body_text.lstrip().startswith('<div id="recommendations-area"')
    assert "It now shows on your profile." in part.body_text
    assert 'id="recommendations"' in part.body_text
    back = await on_profile(carol_browser, "/@carol")
    await carol_browser.post(f"/profile/recommendations/{by_text['Meh.']}/hide", headers=back)
    public = await Browser(client).get("/@carol")
    assert "Carol bakes like nobody else." in public and "Meh." not in public
    # someone else's recommendation, or one already answered
    await bob_browser.post(f"/profile/recommendations/{by_text['Meh.']}/approve", status=404)
    resp = await carol_browser.post(
        f"/profile/recommendations/{by_text['Meh.']}/approve", status=409
    )
    assert "can no longer be answered" in resp.body_text
    box = await bob_browser.post(
        f"/people/{carol.id}/withdraw-recommendation", status=200, headers=HTMX
    )
    assert "was withdrawn" in box.body_text
    assert "Carol bakes like" not in await Browser(client).get("/@carol")


async def test_ask_a_mutual_connection_for_an_introduction(
    client: TestClient, browsers: Browsers
) -> None:
    svc = client.app[SERVICES]
    await people(client, "bob", "carol", "dan")
    await connect(client, "bob", "carol")
    await connect(client, "carol", "dan")
    carol, dan = await member(client, "carol"), await member(client, "dan")
    browser = await signed_in(client, "bob", browsers)
    page = await browser.get("/@dan")
    assert "How you know Dan" in page and "Ask Carol for an introduction" in page
    assert ">2nd<" in page

    refused = await browser.post(
        f"/people/{dan.id}/introduce", {"via": str(carol.id), "reason": ""}, status=422
    )
    assert "Reason is required" in refused.body_text
    box = await browser.post(
        f"/people/{dan.id}/introduce", {"via": str(carol.id), "reason": "Dan grows wheat."},
        status=200, headers=HTMX,
    )  # fmt: skip
    assert "You asked Carol to introduce you to Dan." in box.body_text
    assert "Waiting for an answer" in box.body_text
    [intro] = await introductions.list_mine(svc, carol, "introducer", Page())
    assert intro.reason == "Dan grows wheat."
    box = await browser.post(
        f"/people/{dan.id}/withdraw-introduction", {"introduction": str(intro.id)},
        status=200, headers=HTMX,
    )  # fmt: skip
    assert "was withdrawn" in box.body_text and "Waiting for an answer" not in box.body_text
    # via someone who is not my connection
    resp = await browser.post(
        f"/people/{dan.id}/introduce", {"via": str(dan.id), "reason": "x"}, status=422
    )
    assert "must be three people" in resp.body_text

    await actors.change_profile(svc, "dan", ProfileChanges(accepts_introductions=False))
    page = await browser.get("/@dan")
    assert "Dan is not taking introductions at the moment" in page
    assert "Ask Carol for an introduction" not in page


async def test_the_daily_cap_on_introductions_is_explained(client: TestClient) -> None:
    svc = client.app[SERVICES]
    svc.config = with_overrides(svc.config, network=NetworkSettings(introduction_daily_limit=1))
    await people(client, "bob", "carol", "dan", "erin")
    for a, b in (("bob", "carol"), ("carol", "dan"), ("carol", "erin")):
        await connect(client, a, b)
    carol, dan = await member(client, "carol"), await member(client, "erin")
    browser = await signed_in(client, "bob")
    await browser.get("/@dan")
    await browser.post(
        f"/people/{(await member(client, 'dan')).id}/introduce",
        {"via": str(carol.id), "reason": "Hello"}, status=200, headers=HTMX,
    )  # fmt: skip
    page = await browser.get("/@erin")
    assert "as many introductions as you can today" in page
    resp = await browser.post(
        f"/people/{dan.id}/introduce", {"via": str(carol.id), "reason": "Hi"}, status=429
    )
    assert "introductions a day" in resp.body_text
