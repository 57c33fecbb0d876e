"""Acting on posts from a page (like, boost, reply, edit, delete) and the thread
page, without JavaScript and with htmx; refusals are 4xx pages that say why."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient
from webclient import Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import graph, members, posts
from server.services.posts import Draft
from server.store.statuses import StatusRow
from tests.app.test_web_home import HTMX, composer_form, key_of

Browsers = Callable[[], Awaitable[Browser]]


async def people(client: TestClient, browsers: Browsers) -> tuple[Browser, Any, Any]:
    """bob, signed in, follows alice (who has posts); alice's account row."""
    await member_with_password(client, "bob")
    bob = await browsers()
    await bob.sign_in("bob")
    db = client.app[DB]
    alice, me = await members.get_member(db, "alice"), await members.get_member(db, "bob")
    await graph.follow(client.app[SERVICES], me, alice)
    return bob, me, alice


async def post_by(client: TestClient, author: Any, text: str, **kw: Any) -> StatusRow:
    return await posts.create_status(client.app[SERVICES], author, Draft(text, **kw))


def main(page: str) -> str:
    """The page's main content (the head repeats a post's words for link previews)."""
    return page[page.index("<main") :]


async def fresh(client: TestClient, status: StatusRow) -> StatusRow:
    return await posts.visible_status(client.app[SERVICES], None, status.id)


# --- like and boost ---------------------------------------------------------------------------


async def test_like_and_boost_without_javascript(client: TestClient, browsers: Browsers) -> None:
    bob, _, alice = await people(client, browsers)
    status = await post_by(client, alice, "We are hiring")
    await bob.get("/")
    back = {"Referer": "http://a.test/"}
    for action in ("like", "boost"):
        resp = await bob.post(f"/posts/{status.id}/{action}", headers=back)
        assert resp.headers["Location"] == "/"
    after = await fresh(client, status)
    assert (after.favourites_count, after.reblogs_count) == (1, 1)
    page = await bob.get("/")
    assert "You liked this post." in page or "Boosted" in page
    assert f'action="/posts/{status.id}/unlike"' in page
    assert f'action="/posts/{status.id}/unboost"' in page
    assert 'aria-pressed="true"' in page
    for action in ("unlike", "unboost"):
        await bob.post(f"/posts/{status.id}/{action}", headers=back)
    after = await fresh(client, status)
    assert (after.favourites_count, after.reblogs_count) == (0, 0)


async def test_like_with_htmx_answers_the_action_bar(
    client: TestClient, browsers: Browsers
) -> None:
    bob, _, alice = await people(client, browsers)
    status = await post_by(client, alice, "We are hiring")
    await bob.get("/")
    resp = await bob.post(f"/posts/{status.id}/like", {"key": "12345"}, status=200, headers=HTMX)
    html = resp.body_text
    assert html.lstrip().startswith('<div class="post-actions" id="actions-12345"')
    assert f'hx-post="/posts/{status.id}/unlike"' in html and "<html" not in html
    assert '<span class="count">1</span>' in html


async def test_acting_on_posts_one_may_not_see_is_a_404_that_says_so(
    client: TestClient, browsers: Browsers
) -> None:
    bob, _, _ = await people(client, browsers)
    await member_with_password(client, "carol")
    carol = await members.get_member(client.app[DB], "carol")
    hidden = await post_by(client, carol, "followers only", visibility="private")
    await bob.get("/")
    for path in (
        f"/posts/{hidden.id}/like",
        f"/posts/{hidden.id}/boost",
        "/posts/999999/like",
        "/posts/notanumber/like",
        "/posts/99999999999999999999999/like",
    ):
        resp = await bob.post(path, status=404)
        assert "does not exist, or you may not see it" in resp.body_text, path
    for path in (f"/@carol/{hidden.id}", f"/posts/{hidden.id}/reply", "/@carol/123"):
        page = await bob.get(path, status=404)
        assert "does not exist, or you may not see it" in page
    direct = await post_by(client, carol, "@alice a secret", visibility="direct")
    await bob.post(f"/posts/{direct.id}/like", status=404)


async def test_a_followers_only_post_cannot_be_boosted(
    client: TestClient, browsers: Browsers
) -> None:
    bob, _, alice = await people(client, browsers)
    private = await post_by(client, alice, "for my followers", visibility="private")
    page = await bob.get("/")
    assert "for my followers" in page
    assert f"/posts/{private.id}/boost" not in page  # no button
    resp = await bob.post(f"/posts/{private.id}/boost", status=422)
    assert "can be boosted" in resp.body_text


# --- replies ---------------------------------------------------------------------------------


async def test_reply_page_without_javascript(client: TestClient, browsers: Browsers) -> None:
    bob, _, alice = await people(client, browsers)
    status = await post_by(client, alice, "Who knows a good accountant?", spoiler_text="Ask")
    page = await bob.get(f"/posts/{status.id}/reply")
    assert "Reply to Alice" in page and "Who knows a good accountant?" in page
    assert "@alice@a.test </textarea>" in page  # the author is mentioned
    assert 'value="Ask"' in page  # the content warning carries over
    data = {
        "status": "@alice@a.test I do!",
        "in_reply_to_id": str(status.id),
        "visibility": "public",
        "idempotency_key": key_of(page),
        "mode": "page",
    }
    resp = await bob.post(
        "/posts", composer_form(bob, data),
        headers={"Referer": f"http://a.test/posts/{status.id}/reply"},
    )  # fmt: skip
    assert resp.headers["Location"] == f"/posts/{status.id}"
    thread = await bob.client.get(resp.headers["Location"], allow_redirects=False)
    assert thread.status == 303 and thread.headers["Location"] == f"/@alice/{status.id}"
    page = await bob.get(f"/@alice/{status.id}")
    assert "I do!" in page and "1 reply" in page and "Your reply is posted." in page


async def test_a_refused_reply_keeps_its_text(client: TestClient, browsers: Browsers) -> None:
    bob, _, alice = await people(client, browsers)
    status = await post_by(client, alice, "Question")
    text = "y" * (posts.MAX_CHARS + 1)
    data = {"status": text, "in_reply_to_id": str(status.id), "form_key": "7", "mode": "page"}
    resp = await bob.post("/posts", composer_form(bob, data), status=422)
    assert text in resp.body_text and "longer than 5000" in resp.body_text
    assert "Question" in resp.body_text  # the post it answers, above
    resp = await bob.post("/posts", composer_form(bob, data), status=422, headers=HTMX)
    assert resp.headers["HX-Retarget"] == "#reply-form-7"
    assert text in resp.body_text and "<html" not in resp.body_text
    data = {"status": "hi", "in_reply_to_id": "424242", "mode": "page"}
    resp = await bob.post("/posts", composer_form(bob, data), status=404)
    assert "does not exist" in resp.body_text


async def test_reply_in_place_with_htmx(client: TestClient, browsers: Browsers) -> None:
    bob, _, alice = await people(client, browsers)
    status = await post_by(client, alice, "Coffee this week?")
    form = await bob.get(f"/posts/{status.id}/reply?key=99", headers=HTMX)
    assert "<html" not in form and 'id="reply-form-99"' in form and 'hx-target="this"' in form
    data = {
        "status": "Yes please",
        "in_reply_to_id": str(status.id),
        "form_key": "99",
        "mode": "slot",
        "visibility": "public",
        "idempotency_key": key_of(form),
    }
    resp = await bob.post("/posts", composer_form(bob, data), status=200, headers=HTMX)
    assert "Yes please" in resp.body_text and "depth-1" in resp.body_text
    # The post's action bar comes along out of band, with its new reply count.
    assert 'id="actions-99" hx-swap-oob="true"' in resp.body_text
    assert '<span>Reply</span><span class="count">1</span>' in resp.body_text
    # From the thread page's box: the reply, and a fresh box out of band.
    data |= {"status": "Thursday?", "mode": "thread", "form_key": "thread"}
    data["idempotency_key"] = "another"
    resp = await bob.post("/posts", composer_form(bob, data), status=200, headers=HTMX)
    assert "Thursday?" in resp.body_text and 'id="reply-form-thread"' in resp.body_text
    assert 'hx-swap-oob="true"' in resp.body_text


# --- threads -----------------------------------------------------------------------------------


async def test_a_thread_shows_the_conversation_nested(
    client: TestClient, browsers: Browsers
) -> None:
    bob, me, alice = await people(client, browsers)
    root = await post_by(client, alice, "Root post")
    first = await post_by(client, me, "First reply", in_reply_to_id=root.id)
    nested = await post_by(client, alice, "Nested answer", in_reply_to_id=first.id)
    second = await post_by(client, me, "Second reply", in_reply_to_id=root.id)
    page = main(await bob.get(f"/@bob/{first.id}"))
    assert page.index("Root post") < page.index("First reply") < page.index("Nested answer")
    assert "Second reply" not in page  # a sibling, not in this branch
    whole = await bob.get(f"/@alice/{root.id}")
    page = main(whole)
    at = page.index
    assert at("First reply") < at("Nested answer") < at("Second reply")
    assert re.search(rf'depth-2[^"]*" id="post-{nested.id}"', page)
    assert re.search(rf'depth-1[^"]*" id="post-{second.id}"', page)
    assert "3 replies" in page and 'id="reply-form-thread"' in page
    assert 'property="og:title"' in whole
    assert 'property="og:description" content="Root post"' in whole
    await bob.get(f"/@bob/{root.id}", status=404)  # not bob's post


async def test_a_visitor_reads_a_public_post_and_is_asked_to_sign_in(
    client: TestClient, browsers: Browsers
) -> None:
    _, _, alice = await people(client, browsers)
    public = await post_by(client, alice, "Open to everyone")
    private = await post_by(client, alice, "Only followers", visibility="private")
    visitor = Browser(client)
    page = await visitor.get(f"/@alice/{public.id}")
    assert "Open to everyone" in page and "Sign in to reply" in page
    assert f"/signin?next=/%40alice/{public.id}" in page or "/signin?next=" in page
    assert "reply-form" not in page and 'action="/posts/' not in page
    assert 'name="twitter:card"' in page
    await visitor.get(f"/@alice/{private.id}", status=404)


# --- edit and delete ---------------------------------------------------------------------------


async def test_edit_ones_own_post(client: TestClient, browsers: Browsers) -> None:
    bob, me, alice = await people(client, browsers)
    mine = await post_by(client, me, "Helo world")
    theirs = await post_by(client, alice, "Not yours")
    page = await bob.get(f"/posts/{mine.id}/edit", headers={"Referer": "http://a.test/"})
    assert ">Helo world</textarea>" in page
    resp = await bob.post(
        f"/posts/{mine.id}/edit", {"status": "Hello world", "next": "/", "spoiler_text": ""}
    )
    assert resp.headers["Location"] == "/"
    page = await bob.get("/")
    assert "Hello world" in page and "edited" in page
    resp = await bob.post(f"/posts/{mine.id}/edit", {"status": ""}, status=422)
    assert "Write something first" in resp.body_text
    resp = await bob.post(f"/posts/{mine.id}/edit", {"status": "Again"}, status=200, headers=HTMX)
    assert "Again" in resp.body_text and f'id="post-{mine.id}"' in resp.body_text
    await bob.get(f"/posts/{theirs.id}/edit", status=404)
    resp = await bob.post(f"/posts/{theirs.id}/edit", {"status": "mine now"}, status=404)
    assert "not one of your posts" in resp.body_text
    assert "Not yours" in (await fresh(client, theirs)).content


async def test_delete_asks_first_without_javascript(client: TestClient, browsers: Browsers) -> None:
    bob, me, alice = await people(client, browsers)
    mine = await post_by(client, me, "Oops, typo")
    page = await bob.get(f"/posts/{mine.id}/delete", headers={"Referer": "http://a.test/"})
    assert "Delete this post?" in page and "Oops, typo" in page and 'name="next" value="/"' in page
    resp = await bob.post(f"/posts/{mine.id}/delete", {"next": "/"})
    assert resp.headers["Location"] == "/"
    assert "Oops, typo" not in await bob.get("/")
    await bob.post(f"/posts/{mine.id}/delete", status=404)  # gone already
    theirs = await post_by(client, alice, "Keep me")
    resp = await bob.post(f"/posts/{theirs.id}/delete", status=404)
    assert "not one of your posts" in resp.body_text
    await bob.get(f"/posts/{theirs.id}/delete", status=404)


async def test_delete_with_htmx(client: TestClient, browsers: Browsers) -> None:
    bob, me, _ = await people(client, browsers)
    one = await post_by(client, me, "First")
    two = await post_by(client, me, "Second")
    await bob.get("/")
    resp = await bob.post(
        f"/posts/{one.id}/delete", status=200, headers={**HTMX, "Referer": "http://a.test/"}
    )
    assert resp.body_text == ""  # the card goes
    # From the post's own page: off home, since the page is gone.
    resp = await bob.post(
        f"/posts/{two.id}/delete",
        status=200,
        headers={**HTMX, "Referer": f"http://a.test/@bob/{two.id}"},
    )
    assert resp.headers["HX-Redirect"] == "/"


async def test_a_post_by_id_is_its_card_or_its_page(client: TestClient, browsers: Browsers) -> None:
    bob, _, alice = await people(client, browsers)
    status = await post_by(client, alice, "Hello")
    card = await bob.get(f"/posts/{status.id}", headers=HTMX)
    assert card.lstrip().startswith('<article class="card post')
    resp = await bob.client.get(f"/posts/{status.id}", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/@alice/{status.id}"
