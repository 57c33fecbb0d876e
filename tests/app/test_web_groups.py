"""Groups in a browser without JavaScript: making one through the form (a refusal
keeps what was typed, its message next to the field), the list's tabs and the
search for a group elsewhere, a group's page (joining, asking to join, withdrawing,
leaving, posting in it, its events), the members page and every moderator's action
(answering requests, removing and banning, lifting a ban, naming moderators,
taking a post out), the notifications, a group on another server, and what is
refused: in words, with the right status, never a traceback; CSRF checked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from webclient import Browser
from webpeople import (
    People,
    SignedIn,
    people,
    signed_in_fixture,  # noqa: F401  (the signed_in fixture)
    text_of,
)

from server.appkeys import SERVICES
from server.services import events, group_moderation, groups, posts
from server.services.events import EventDraft
from server.services.groups import GroupDraft
from server.store import accounts as accounts_q
from server.store.accounts import AccountRow

LOGISTICS = {
    "name": "logistics", "display_name": "Logistics people",
    "description": "Supply chains, ports and trucks.\n\nAsk anything.", "membership": "open",
}  # fmt: skip


@pytest.fixture
async def crowd(client: TestClient) -> People:
    return await people(client, "ann", "bea", "cal", "dan")


async def made(client: TestClient, owner: AccountRow, membership: str = "open") -> int:
    """A group made through the service (the form has its own tests)."""
    draft = GroupDraft("logistics", "Logistics people", "Supply chains.", membership)
    return (await groups.create_group(client.app[SERVICES], owner, draft)).account.id


async def joined(client: TestClient, group_id: int, *who: AccountRow) -> None:
    for account in who:
        await groups.join(client.app[SERVICES], account, group_id)


async def flash_after(browser: Browser, resp: Any) -> str:
    """The page a form's answer sends the browser to, in words."""
    return text_of(await browser.get(resp.headers["Location"]))


def field_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else ""


def no_traceback(page: str) -> None:
    assert "Traceback" not in page and "Internal Server Error" not in page


# --- making one ---------------------------------------------------------------------------


async def test_a_group_made_through_the_form(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    ann = await signed_in("ann")
    assert 'href="/groups/new"' in await ann.get("/groups")
    form = await ann.get("/groups/new")
    assert 'action="/groups"' in form and 'name="csrf_token"' in form
    for label in ("Handle", "Name (optional)", "Description (optional)", "Who may join"):
        assert label in form, label
    assert 'name="membership" value="open" checked' in form
    assert "@name@a.test" in text_of(form)

    resp = await ann.post("/groups", LOGISTICS)
    assert resp.headers["Location"] == "/@logistics"
    words = await flash_after(ann, resp)
    assert "Your group @logistics@a.test is made: you are its owner." in words
    assert "Logistics people" in words and "@logistics@a.test" in words
    assert "1 member" in words and "Open: anyone may join" in words
    assert "You own this group" in words and "Edit the group" in words
    assert "Members and requests" in words and "No posts in this group yet." in words
    page = await ann.get("/@logistics")
    assert "<p>Supply chains, ports and trucks.</p><p>Ask anything.</p>" in page
    [group] = await groups.directory(client.app[SERVICES], None, limit=5, offset=0)
    assert f'name="group_id" value="{group.account.id}"' in page  # the composer posts in it
    assert f'href="/events/new?group_id={group.account.id}"' in page
    # The other ways to it.
    resp = await ann.client.get(f"/groups/{group.account.id}", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (302, "/@logistics")
    assert "Logistics people" in await ann.get("/users/logistics")
    mine = text_of(await ann.get("/groups"))
    assert "Logistics people" in mine and "You own this group" in mine
    local = await ann.get("/groups?scope=local")
    assert 'aria-current="page">On this server' in local and "Logistics people" in local
    assert 'href="/groups" aria-current="page"' in await ann.get("/groups")  # the navigation


@pytest.mark.parametrize(
    ("change", "field", "message", "status"),
    [
        ({"name": ""}, "name", "The handle must not be empty", 422),
        ({"name": "no spaces"}, "name", "The handle may contain only letters", 422),
        ({"name": "alice"}, "name", "@alice is taken: choose another", 409),
        ({"display_name": "x" * 101}, "display_name", "at most 100 characters", 422),
        ({"description": "x" * 2001}, "description", "at most 2000 characters", 422),
        ({"membership": "secret"}, "membership", "membership must be one of open, approval", 422),
    ],
)
async def test_a_refused_form_keeps_what_was_typed(
    client: TestClient,
    signed_in: SignedIn,
    change: dict[str, str],
    field: str,
    message: str,
    status: int,
) -> None:
    await people(client, "ann")
    ann = await signed_in("ann")
    await ann.get("/groups/new")
    page = (await ann.post("/groups", {**LOGISTICS, **change}, status=status)).body_text
    no_traceback(page)
    error = re.search(rf'<p class="field-error" id="error-{field}">.*?<span>(.*?)</span>', page)
    assert error is not None, page
    assert message.lower() in error.group(1).lower()
    assert f'href="#field-{field}"' in page and f'id="field-{field}"' in page
    kept = {**LOGISTICS, **change}
    for name in ("name", "display_name"):
        assert field_value(page, name) == kept[name], name
    assert f"{kept['description']}</textarea>" in page
    assert await groups.directory(client.app[SERVICES], None, limit=5, offset=0) == []


async def test_changing_a_group(client: TestClient, signed_in: SignedIn, crowd: People) -> None:
    group_id = await made(client, crowd["ann"])
    await joined(client, group_id, crowd["bea"])
    ann, bea = await signed_in("ann"), await signed_in("bea")
    refused = await bea.get(f"/groups/{group_id}/edit", status=403)
    assert "Only the group's moderators may do this" in text_of(refused)
    assert "Edit the group" not in await bea.get("/@logistics")

    form = await ann.get(f"/groups/{group_id}/edit")
    assert f'action="/groups/{group_id}/edit"' in form and 'name="name"' not in form
    assert field_value(form, "display_name") == "Logistics people"
    assert "Supply chains.</textarea>" in form
    changed = {"display_name": "Ports & trucks", "description": "Line one\nline two",
               "membership": "approval"}  # fmt: skip
    refused = await ann.post(f"/groups/{group_id}/edit", {**changed, "display_name": "y" * 150},
                             status=422)  # fmt: skip
    assert 'id="error-display_name"' in refused.body_text
    assert "Line one\nline two</textarea>" in refused.body_text
    resp = await ann.post(f"/groups/{group_id}/edit", changed)
    words = await flash_after(ann, resp)
    assert "Your changes are saved." in words and "Ports & trucks" in words
    assert "Moderators approve new members" in words
    assert "Line one<br>line two" in await ann.get("/@logistics")
    # A name left empty: its handle's name is shown.
    await ann.get(f"/groups/{group_id}/edit")
    await ann.post(f"/groups/{group_id}/edit", {**changed, "display_name": ""})
    assert '<h1 id="group-title">logistics</h1>' in await ann.get("/@logistics")


# --- the list and the search ------------------------------------------------------------------


async def test_the_list_and_finding_a_group_by_its_handle(
    client: TestClient, signed_in: SignedIn, crowd: People, browsers: Any
) -> None:
    dan = await signed_in("dan")
    empty = text_of(await dan.get("/groups"))
    assert "You are in no group yet." in empty and "Create a group" in empty
    assert "There are no groups on this server yet." in text_of(
        await dan.get("/groups?scope=local")
    )
    await made(client, crowd["ann"], "approval")
    local = text_of(await dan.get("/groups?scope=local"))
    assert "Logistics people" in local and "1 member" in local
    assert "Moderators approve new members" in local

    found = await dan.get("/groups?handle=logistics@a.test")
    assert 'href="/@logistics"' in found and "Supply chains." in text_of(found)
    assert 'value="logistics@a.test"' in found
    person = text_of(await dan.get("/groups?handle=%40alice%40a.test"))
    assert "Alice Archer (@alice@a.test) is not a group." in person
    wrong = await dan.get("/groups?handle=logistics")
    assert 'id="error-handle"' in wrong and "name@server.example" in text_of(wrong)
    assert 'aria-invalid="true"' in wrong
    assert "could be found" in text_of(await dan.get("/groups?handle=nobody@a.test"))
    long = text_of(await dan.get("/groups?handle=" + "x" * 301))
    assert "at most 300 characters" in long
    # The people search finds it too: a group to see, not someone to connect with.
    searched = await dan.get("/search?q=%40logistics%40a.test")
    assert "See the group" in searched and "/network/connect/" not in searched

    visitor = await browsers()
    listing = text_of(await visitor.get("/groups?scope=mine"))  # a visitor: this server's
    assert "Logistics people" in listing and "Your groups" not in listing
    assert "Create a group" not in listing
    elsewhere = text_of(await visitor.get("/groups?handle=rust@lemmy.test"))
    assert "is known here: sign in to look it up" in elsewhere
    resp = await visitor.client.get("/groups/new", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/signin")


# --- a group's page: joining, leaving, posting -------------------------------------------------


async def test_joining_an_open_group_posting_in_it_and_leaving(
    client: TestClient, signed_in: SignedIn, crowd: People, browsers: Any
) -> None:
    group_id = await made(client, crowd["ann"])
    bea, dan = await signed_in("bea"), await signed_in("dan")
    page = await bea.get("/@logistics")
    assert f'action="/groups/{group_id}/join"' in page and "Join the group" in page
    assert 'name="group_id"' not in page  # no composer before joining
    words = await flash_after(bea, await bea.post(f"/groups/{group_id}/join"))
    assert "Welcome to Logistics people: you are a member now." in words
    assert "2 members" in words and "Leave the group" in words and "Member" in words

    page = await bea.get("/@logistics")
    assert "Write to the group" in page and 'value="private"' not in page
    sent = {"status": "Who ships to Rotterdam?", "visibility": "public",
            "group_id": str(group_id), "idempotency_key": "k1"}  # fmt: skip
    resp = await bea.post("/posts", sent, headers={"Referer": "/@logistics"})
    assert resp.headers["Location"] == "/@logistics"
    words = await flash_after(bea, resp)
    assert "Posted in the group." in words and "Who ships to Rotterdam?" in words
    assert "Remove from group" not in words  # bea does not moderate it

    # Not a member: refused in words.
    await dan.get("/@logistics")
    refused = await dan.post("/posts", {**sent, "idempotency_key": "k2"}, status=403)
    assert "Join the group to post in it" in text_of(refused.body_text)
    no_traceback(refused.body_text)
    bad = await dan.post("/posts", {**sent, "group_id": "x", "idempotency_key": "k3"}, status=404)
    assert "There is no such group here" in text_of(bad.body_text)

    words = await flash_after(bea, await bea.post(f"/groups/{group_id}/leave"))
    assert "You left Logistics people." in words and "Join the group" in words
    # The owner cannot leave a group that would have no owner.
    ann = await signed_in("ann")
    await ann.get("/@logistics")
    refused = await ann.post(f"/groups/{group_id}/leave", status=422)
    assert "make another member its owner before you leave" in text_of(refused.body_text)
    assert "Logistics people" in text_of(refused.body_text)  # the group's page, saying why

    visitor = await browsers()
    page = text_of(await visitor.get("/@logistics"))
    assert "Sign in to join" in page and "Who ships to Rotterdam?" in page
    assert "Bea" in page  # open group: its members are shown
    missing = await visitor.get("/groups/12345", status=404)
    assert "There is no such group here" in text_of(missing) and "Error 404" in missing


async def test_csrf_is_checked(client: TestClient, signed_in: SignedIn, crowd: People) -> None:
    group_id = await made(client, crowd["ann"])
    bea = await signed_in("bea")
    await bea.get("/@logistics")
    resp = await bea.post(f"/groups/{group_id}/join", {"csrf_token": "forged"}, status=403)
    no_traceback(resp.body_text)
    await bea.post(f"/groups/{group_id}/join", csrf=False, status=403)
    assert (await groups.view(client.app[SERVICES], crowd["bea"], group_id)).my_membership is None


async def test_a_group_that_approves_its_members(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    group_id = await made(client, crowd["ann"], "approval")
    ann, bea, cal = await signed_in("ann"), await signed_in("bea"), await signed_in("cal")
    page = text_of(await bea.get("/@logistics"))
    assert "Ask to join" in page and "Only this group's members see who else is in it." in page
    hidden = await bea.get(f"/groups/{group_id}/members", status=403)
    assert "Only this group's members see who else is in it" in text_of(hidden)
    no_traceback(hidden)

    words = await flash_after(bea, await bea.post(f"/groups/{group_id}/join"))
    assert "You asked to join Logistics people: its moderators will answer" in words
    assert "Request sent" in words and "Cancel the request" in words
    mine = text_of(await bea.get("/groups"))
    assert "Waiting for an answer" in mine and "Logistics people" in mine
    await cal.get("/@logistics")
    await cal.post(f"/groups/{group_id}/join")
    words = await flash_after(cal, await cal.post(f"/groups/{group_id}/leave"))
    assert "Your request to join Logistics people is withdrawn." in words

    # The owner is told, and answers on the members page.
    notices = await ann.get("/notifications")
    assert "Bea asks to join Logistics people" in text_of(notices)
    assert f'href="/groups/{group_id}/members"' in notices and 'href="/@logistics"' in notices
    assert "1 waiting" in text_of(await ann.get("/@logistics"))
    members = await ann.get(f"/groups/{group_id}/members")
    assert "Asking to join" in members
    approve = f"/groups/{group_id}/requests/{crowd['bea'].id}/approve"
    assert f'action="{approve}"' in members
    assert '<span class="visually-hidden"> Bea</span>' in members  # "Approve Bea"
    refused = await bea.post(approve, status=403)  # bea is not in yet, let alone a moderator
    assert "Only the group's moderators may do this" in text_of(refused.body_text)
    words = await flash_after(ann, await ann.post(approve))
    assert "Bea is a member now, and is told." in words
    again = await ann.post(approve, status=404)
    assert "No request to join from this account" in text_of(again.body_text)

    notices = text_of(await bea.get("/notifications"))
    assert "You are a member of Logistics people now" in notices and "Go to the group" in notices
    assert "Bea" in text_of(await bea.get(f"/groups/{group_id}/members"))
    # Turning down a request.
    await cal.post(f"/groups/{group_id}/join")
    await ann.get(f"/groups/{group_id}/members")
    reject = f"/groups/{group_id}/requests/{crowd['cal'].id}/reject"
    words = await flash_after(ann, await ann.post(reject))
    assert "You turned down Cal's request to join." in words
    assert (await groups.view(client.app[SERVICES], crowd["cal"], group_id)).my_membership is None


# --- moderation ----------------------------------------------------------------------------


async def test_moderators_remove_posts_and_members(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    svc = client.app[SERVICES]
    group_id = await made(client, crowd["ann"])
    await joined(client, group_id, crowd["bea"], crowd["cal"])
    spam = await posts.create_status(
        svc, crowd["cal"], posts.Draft("Cheap watches", group_id=group_id)
    )
    ann, bea, cal = await signed_in("ann"), await signed_in("bea"), await signed_in("cal")

    # The owner names bea moderator.
    members = await ann.get(f"/groups/{group_id}/members")
    name_bea = f"/groups/{group_id}/moderators/{crowd['bea'].id}"
    assert f'action="{name_bea}"' in members and "Make moderator" in members
    assert "Step down as owner" in members
    await bea.get("/@logistics")
    refused = await bea.post(name_bea, {"role": "moderator"}, status=403)
    assert "Only the group's moderators may do this" in text_of(refused.body_text)
    wrong = await ann.post(name_bea, {"role": "king"}, status=422)
    assert "Choose moderator, owner or none" in text_of(wrong.body_text)
    words = await flash_after(ann, await ann.post(name_bea, {"role": "moderator"}))
    assert "Bea is a moderator of the group now." in words
    again = await ann.post(f"/groups/{group_id}/moderators/{crowd['ann'].id}", {"role": "none"},
                           status=422)  # fmt: skip
    assert "A group needs an owner" in text_of(again.body_text)

    # bea takes the spam out of the group, after a confirmation.
    page = await bea.get("/@logistics")
    remove = f"/groups/{group_id}/posts/{spam.id}/remove"
    assert f'href="{remove}"' in page and "Cheap watches" in page
    assert "(the post by Cal)" in page
    confirm = text_of(await bea.get(remove))
    assert "Remove this post from Logistics people?" in confirm and "Cheap watches" in confirm
    await cal.get(remove, status=403)
    words = await flash_after(bea, await bea.post(remove))
    assert "The post is out of the group" in words and "Cheap watches" not in words
    assert "Cheap watches" in text_of(await bea.get("/@cal"))  # still cal's
    await bea.post(remove, status=404)

    # A moderator may not remove the owner: no button, and refused if sent anyway.
    members = await bea.get(f"/groups/{group_id}/members")
    assert f"/members/{crowd['ann'].id}/remove" not in members
    assert f"/members/{crowd['cal'].id}/remove" in members and "Make moderator" not in members
    await bea.get(f"/groups/{group_id}/members/{crowd['ann'].id}/remove")  # the form shows...
    refused = await bea.post(f"/groups/{group_id}/members/{crowd['ann'].id}/remove",
                             {"confirm": "1"}, status=403)  # fmt: skip
    assert "Only the owner may remove a moderator" in text_of(refused.body_text)

    # Banning cal, with a reason; too long a reason is refused next to its field.
    form = await bea.get(f"/groups/{group_id}/members/{crowd['cal'].id}/remove?ban=1")
    assert "Remove Cal from Logistics people?" in text_of(form)
    assert 'name="ban" type="checkbox" value="1" checked' in form
    target = f"/groups/{group_id}/members/{crowd['cal'].id}/remove"
    unconfirmed = await bea.post(target, {"ban": "1"})
    assert unconfirmed.headers["Location"] == target
    long = await bea.post(target, {"confirm": "1", "ban": "1", "reason": "x" * 501}, status=422)
    assert 'id="error-reason"' in long.body_text and "at most 500 characters" in long.body_text
    resp = await bea.post(target, {"confirm": "1", "ban": "1", "reason": "spam"})
    words = await flash_after(bea, resp)
    assert "Cal is out of the group, and banned: they cannot join again." in words
    assert "Banned 1" in words and "Lift the ban" in words

    await cal.get("/@logistics")
    refused = await cal.post(f"/groups/{group_id}/join", status=403)
    assert "removed you" in text_of(refused.body_text) and "Logistics people" in text_of(
        refused.body_text
    )
    lift = f"/groups/{group_id}/bans/{crowd['cal'].id}/lift"
    words = await flash_after(bea, await bea.post(lift))
    assert "Cal is no longer banned: they may join again." in words
    again = await bea.post(lift, status=404)
    assert "not banned" in text_of(again.body_text)
    await cal.post(f"/groups/{group_id}/join")
    # Removing without a ban.
    await bea.get(target)
    words = await flash_after(bea, await bea.post(target, {"confirm": "1"}))
    assert "Cal is out of the group." in words and "banned" not in words.split("Cal is out")[1][:40]
    assert (await group_moderation.bans(svc, crowd["ann"], group_id)) == []


# --- events, and a group elsewhere ---------------------------------------------------------


async def test_an_event_in_a_group(client: TestClient, signed_in: SignedIn, crowd: People) -> None:
    group_id = await made(client, crowd["ann"])
    await joined(client, group_id, crowd["bea"])
    bea = await signed_in("bea")
    form = await bea.get(f"/events/new?group_id={group_id}")
    assert f'<option value="{group_id}" selected>Logistics people</option>' in form
    breakfast = {
        "title": "Port tour", "description": "", "start_date": "2099-05-01",
        "start_time": "10:00", "end_date": "", "end_time": "", "timezone": "Europe/Amsterdam",
        "place_name": "", "street": "", "postal_code": "", "locality": "", "region": "",
        "country": "", "latitude": "", "longitude": "", "online_url": "", "capacity": "",
        "visibility": "connections", "group_id": str(group_id),
    }  # fmt: skip
    refused = await bea.post("/events", breakfast, status=422)
    assert re.search(r'id="error-group_id">.*?public', refused.body_text, re.S)
    assert f'<option value="{group_id}" selected>' in refused.body_text
    resp = await bea.post("/events", {**breakfast, "visibility": "public"})
    event_id = int(resp.headers["Location"].removeprefix("/events/"))
    event = text_of(await bea.get(f"/events/{event_id}"))
    assert "In the group Logistics people" in event
    page = await bea.get("/@logistics")
    assert f'href="/events/{event_id}"' in page and "Port tour" in text_of(page)
    view = await events.get_event(client.app[SERVICES], crowd["bea"], event_id)
    assert view.event.group_id == group_id
    # A made-up group is refused in words.
    wrong = await bea.post("/events", {**breakfast, "visibility": "public", "group_id": "x"},
                           status=422)  # fmt: skip
    assert "Choose one of your groups" in text_of(wrong.body_text)
    # Without a group the form has no such choice for someone in none.
    dan = await signed_in("dan")
    assert 'name="group_id"' not in await dan.get("/events/new")
    draft = EventDraft(title="Alone", starts_at=datetime(2099, 3, 6, 7, tzinfo=UTC))
    await events.create_event(client.app[SERVICES], crowd["dan"], draft)


async def remote_group(client: TestClient) -> AccountRow:
    svc = client.app[SERVICES]
    async with svc.db.transaction() as conn:
        return await accounts_q.upsert_remote_account(
            conn,
            {"username": "rust", "domain": "lemmy.test", "uri": "https://lemmy.test/c/rust",
             "inbox_url": "https://lemmy.test/c/rust/inbox",
             "shared_inbox_url": "https://lemmy.test/inbox", "actor_type": "Group",
             "display_name": "Rust programming", "summary": "<p>All about Rust.</p>",
             "url": "https://lemmy.test/c/rust", "fields": [], "updated_at": datetime.now(UTC)},
            new_id=svc.db.new_id(),
        )  # fmt: skip


async def test_a_group_on_another_server(
    client: TestClient, signed_in: SignedIn, crowd: People
) -> None:
    group = await remote_group(client)
    bea = await signed_in("bea")
    page = await bea.get("/@rust@lemmy.test")
    words = text_of(page)
    assert "Rust programming" in words and "All about Rust." in words
    assert "This group is on another server." in words and "Join the group" in words
    assert 'href="https://lemmy.test/c/rust"' in page
    found = text_of(await bea.get("/groups?handle=rust@lemmy.test"))
    assert "Rust programming" in found and "On another server" in found
    resp = await bea.client.get(f"/groups/{group.id}", allow_redirects=False)
    assert resp.headers["Location"] == "/@rust@lemmy.test"
    words = await flash_after(bea, await bea.post(f"/groups/{group.id}/join"))
    assert "You asked to join Rust programming: its server will answer." in words
    assert "the group's server has not answered yet" in words
    members = text_of(await bea.get(f"/groups/{group.id}/members"))
    assert "only the members from this server are listed here" in members
    refused = await bea.get(f"/groups/{group.id}/edit", status=403)
    assert "moderated on its own server" in text_of(refused)
