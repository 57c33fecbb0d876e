"""The home page and posting from it: the timeline and its pages, the composer
(visibility, content warnings, images with descriptions, refusals that keep
what was typed, one post per idempotency key), with and without htmx."""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from PIL import Image
from webclient import Browser, member_with_password

from server.app import create_app
from server.appkeys import DB, SERVICES
from server.config import Config, MediaSettings, with_overrides
from server.services import connections, graph, media, members, posts, timelines
from server.services.posts import Draft
from server.store.statuses import Page

HTMX = {"HX-Request": "true"}


def png(size: tuple[int, int] = (40, 30), color: str = "orange") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, "JPEG")
    return out.getvalue()


def key_of(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def composer_form(browser: Browser, fields: dict[str, str], **files: bytes) -> FormData:
    data = FormData()
    data.add_field("csrf_token", browser.csrf)
    for name, value in fields.items():
        data.add_field(name, value)
    for name, content in files.items():
        data.add_field(name, content, filename=f"{name}.png", content_type="image/png")
    return data


async def signed_in(client: TestClient, name: str, browsers: Any = None) -> Browser:
    await member_with_password(client, name)
    browser = await browsers() if browsers else Browser(client)
    await browser.sign_in(name)
    return browser


async def account(client: TestClient, name: str) -> Any:
    return await members.get_member(client.app[DB], name)


async def home_of(client: TestClient, name: str) -> list[Any]:
    return await timelines.home(client.app[SERVICES], await account(client, name), Page())


# --- the timeline -------------------------------------------------------------------------


async def test_a_newcomer_is_welcomed_with_people_to_meet(
    client: TestClient, browsers: Callable[[], Awaitable[Browser]]
) -> None:
    await member_with_password(client, "carol", display_name="Carol Chen")
    bob = await signed_in(client, "bob", browsers)
    page = await bob.get("/")
    assert "Welcome to" in page and "People to start with" in page
    assert "Carol Chen" in page and 'href="/@carol"' in page
    assert 'href="/search"' in page and 'href="/profile/edit"' in page
    assert 'id="composer"' in page and 'name="idempotency_key"' in page


async def test_posts_of_people_followed_and_connected_newest_first_with_pages(
    client: TestClient,
) -> None:
    svc = client.app[SERVICES]
    bob = await signed_in(client, "bob")
    me, alice = await account(client, "bob"), await account(client, "alice")
    carol = await members.create_member(client.app[DB], "carol", display_name="Carol Chen")
    await graph.follow(svc, me, alice)
    sent = await connections.request(svc, me, carol, "")
    await connections.answer(svc, carol, sent.id, accept=True)
    for n in range(12):
        await posts.create_status(svc, alice, Draft(f"alice number {n}"))
        await posts.create_status(svc, carol, Draft(f"carol number {n}"))
    page = await bob.get("/")
    assert (
        page.index("carol number 11") < page.index("alice number 11") < page.index("carol number 2")
    )
    assert "alice number 0" not in page  # on the next page
    older = re.search(r'href="/\?max_id=(\d+)"', page)
    assert older and 'hx-get="/?max_id=' in page
    second = await bob.get(f"/?max_id={older.group(1)}")
    assert "alice number 0" in second and "carol number 11" not in second
    # With htmx: only the posts, and the next link (none: the end).
    more = await bob.get(f"/?max_id={older.group(1)}", headers=HTMX)
    assert "<html" not in more and "alice number 0" in more and "max_id" not in more
    assert "Back to the newest" in second
    assert "Older posts" not in await bob.get("/?max_id=1")


# --- posting -------------------------------------------------------------------------------


async def test_posting_without_javascript_comes_back_home(client: TestClient) -> None:
    bob = await signed_in(client, "bob")
    page = await bob.get("/")
    data = composer_form(
        bob,
        {"status": "Hello, #community!", "visibility": "unlisted", "idempotency_key": key_of(page)},
    )
    resp = await bob.post("/posts", data, headers={"Referer": "http://a.test/"})
    assert resp.headers["Location"] == "/"
    page = await bob.get("/")
    assert "Hello," in page and "Posted." in page
    [status] = await home_of(client, "bob")
    assert status.visibility == "unlisted"


async def test_one_post_per_idempotency_key(client: TestClient) -> None:
    bob = await signed_in(client, "bob")
    key = key_of(await bob.get("/"))
    for _ in range(2):  # a double click sends the form twice
        await bob.post(
            "/posts", composer_form(bob, {"status": "Only once", "idempotency_key": key})
        )
    assert len(await home_of(client, "bob")) == 1
    await bob.post("/posts", composer_form(bob, {"status": "Again", "idempotency_key": "other"}))
    assert len(await home_of(client, "bob")) == 2


async def test_a_content_warning_hides_the_words_until_opened(client: TestClient) -> None:
    bob = await signed_in(client, "bob")
    fields = {"status": "The plot twist is...", "spoiler_text": "Film spoilers"}
    await bob.post("/posts", composer_form(bob, fields))
    page = await bob.get("/")
    assert re.search(r'<details class="spoiler">\s*<summary>.*Film spoilers', page, re.S)
    [status] = await home_of(client, "bob")
    assert status.sensitive and status.spoiler_text == "Film spoilers"


async def test_visibility_choices(client: TestClient) -> None:
    bob = await signed_in(client, "bob")
    page = await bob.get("/")
    for value in ("public", "unlisted", "private", "direct"):
        assert f'<option value="{value}"' in page
    await bob.post(
        "/posts", composer_form(bob, {"status": "For followers", "visibility": "private"})
    )
    await bob.post(
        "/posts",
        composer_form(bob, {"status": "@alice just us", "visibility": "direct"}),
    )
    found = {s.visibility for s in await home_of(client, "bob")}
    assert found == {"private", "direct"}
    resp = await bob.post(
        "/posts", composer_form(bob, {"status": "x", "visibility": "everyone"}), status=422
    )
    assert "Visibility must be one of" in resp.body_text


async def test_images_with_descriptions(client: TestClient) -> None:
    bob = await signed_in(client, "bob")
    data = composer_form(
        bob,
        {
            "status": "Our new office",
            "image_description_1": "A sunny room with plants",
            "image_description_2": "The team at lunch",
        },
        image_1=png(),
        image_2=jpeg(),
    )
    await bob.post("/posts", data)
    page = await bob.get("/")
    assert 'alt="A sunny room with plants"' in page and 'alt="The team at lunch"' in page
    assert page.index("A sunny room") < page.index("The team at lunch")
    assert 'class="media media-2"' in page


async def test_a_refused_image_is_named_next_to_its_file_and_the_rest_is_kept(
    client: TestClient,
) -> None:
    bob = await signed_in(client, "bob")
    data = composer_form(
        bob,
        {
            "status": "Look at these",
            "spoiler_text": "Photos",
            "image_description_1": "A good one",
            "image_description_2": "Not an image",
        },
        image_1=png(),
        image_2=b"this is not an image at all",
    )
    resp = await bob.post("/posts", data, status=422)
    page = resp.body_text
    assert re.search(r'id="error-image_2".*not a JPEG, PNG or WebP', page, re.S)
    assert ">Look at these</textarea>" in page and 'value="Photos"' in page
    assert 'value="Not an image"' in page  # its description is kept for the next try
    kept = re.search(r'name="media_1" value="(\d+)"', page)
    assert kept, "the good image is kept, uploaded, for the next try"
    assert await home_of(client, "bob") == []  # nothing posted, nothing attached
    # The next try sends the kept image by id and a new file in slot 2.
    data = composer_form(
        bob,
        {
            "status": "Look at these",
            "media_1": kept.group(1),
            "image_description_1": "A good one",
            "image_description_2": "Now a real one",
        },
        image_2=png(color="navy"),
    )
    await bob.post("/posts", data)
    page = await bob.get("/")
    assert 'alt="A good one"' in page and 'alt="Now a real one"' in page


async def test_a_too_long_post_keeps_the_text_and_its_images(client: TestClient) -> None:
    bob = await signed_in(client, "bob")
    text = "x" * (posts.MAX_CHARS + 1)
    data = composer_form(bob, {"status": text, "image_description_1": "Kept"}, image_1=png())
    resp = await bob.post("/posts", data, status=422)
    page = resp.body_text
    assert "longer than 5000 characters" in page and text in page
    assert re.search(r'name="media_1" value="\d+"', page) and 'value="Kept"' in page
    assert 'aria-invalid="true"' in page and 'id="form-errors"' in page


async def test_another_members_upload_cannot_be_attached(client: TestClient) -> None:
    bob = await signed_in(client, "bob")
    alice = await account(client, "alice")
    theirs = await media.upload(client.app[SERVICES], alice, png())
    data = composer_form(bob, {"status": "mine now", "media_1": str(theirs.id)})
    resp = await bob.post("/posts", data, status=422)
    assert "no longer here" in resp.body_text
    assert await home_of(client, "bob") == []


async def test_an_oversized_file_is_refused_next_to_it_with_the_text_kept(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    config = with_overrides(
        make_config(domain="a.test", database_url=database_url),
        media=MediaSettings(max_image_bytes=2048),
    )
    client = await aiohttp_client(create_app(config, workers=False))
    bob = await signed_in(client, "bob")
    big = png((300, 300), "white") + b"\0" * 4096
    data = composer_form(bob, {"status": "A big one", "image_description_1": "Big"}, image_1=big)
    resp = await bob.post("/posts", data, status=422)
    assert re.search(r'id="error-image_1".*larger than 2048 bytes', resp.body_text, re.S)
    assert ">A big one</textarea>" in resp.body_text


async def test_posting_with_htmx_answers_the_post_and_a_fresh_composer(client: TestClient) -> None:
    bob = await signed_in(client, "bob")
    page = await bob.get("/")
    key = key_of(page)
    fields = {"status": "Live!", "idempotency_key": key, "reset": "composer"}
    resp = await bob.post("/posts", composer_form(bob, fields), status=200, headers=HTMX)
    html = resp.body_text
    assert "<html" not in html and "Live!" in html and 'class="card post' in html
    assert 'id="composer"' in html and 'hx-swap-oob="true"' in html
    assert key_of(html) != key  # the next post gets a key of its own
    # Refused: the composer with the error, swapped in place of the one sent.
    fields = {"status": "", "reset": "composer"}
    resp = await bob.post("/posts", composer_form(bob, fields), status=422, headers=HTMX)
    assert resp.headers["HX-Retarget"] == "#composer"
    assert "Write something first" in resp.body_text and "<html" not in resp.body_text


async def test_the_compose_page_and_signing_in_first(client: TestClient) -> None:
    visitor = Browser(client)
    resp = await visitor.client.get("/compose", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/signin?next=/compose")
    bob = await signed_in(client, "bob")
    page = await bob.get("/compose")
    assert "<h1>Write a post</h1>" in page and 'action="/posts"' in page
