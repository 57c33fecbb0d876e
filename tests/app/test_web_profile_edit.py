"""Editing one's profile in a browser: every field, repeating entries without
JavaScript, refusals next to their field with everything typed kept, pictures."""

from __future__ import annotations

import io
import re
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from PIL import Image
from webclient import Browser, member_with_password

from server.appkeys import DB, SERVICES
from server.services import members
from tests.app.test_web_profile import PROFILE, member

HTMX = {"HX-Request": "true"}

FULL = {
    "display_name": "Bob Baker",
    "headline": "Head of Bread",
    "summary": "I bake.\n\nAnd I teach.",
    "location": "Lyon",
    "industry": "Food",
    "open_to": ["mentoring", "hiring"],
    "skills": "Sourdough\nTeaching\n\n",
    "experience_rows": "3",
    "experience-0-title": "Head baker",
    "experience-0-organization": "Crumb & Co",
    "experience-0-start": "2021-04",
    "experience-0-end": "",
    "experience-0-description": "Ovens.",
    "experience-1-title": "Apprentice",
    "experience-1-organization": "Le Four",
    "experience-1-start": "2010-09",
    "experience-1-end": "2012-06",
    "experience-2-title": "",  # the empty row
    "education_rows": "1",
    "education-0-school": "École du Pain",
    "education-0-degree": "CAP",
    "education-0-field": "Boulangerie",
    "education-0-start": "2008-09",
    "education-0-end": "2010-06",
    "links_rows": "2",
    "links-0-name": "Bakery",
    "links-0-url": "https://crumb.example/",
    "fields_rows": "1",
    "fields-0-name": "Pronouns",
    "fields-0-value": "he/him",
}


def form_data(values: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, item))
    return pairs


async def send(browser: Browser, values: dict[str, Any], status: int = 303, **kw: Any) -> Any:
    """POST the profile form as a browser does (``open_to`` several times)."""
    resp = await browser.client.post(
        "/profile/edit", data=[("csrf_token", browser.csrf), *form_data(values)],
        allow_redirects=False, **kw,
    )  # fmt: skip
    resp.body_text = await resp.text()
    assert resp.status == status, resp.body_text[:2000]
    return resp


async def bob(client: TestClient) -> Browser:
    await member_with_password(client, "bob")
    browser = Browser(client)
    await browser.sign_in("bob")
    return browser


async def test_editing_every_field(client: TestClient) -> None:
    browser = await bob(client)
    page = await browser.get("/profile/edit")
    assert "Edit your profile" in page and 'name="experience-0-title"' in page
    resp = await send(browser, FULL)
    assert resp.headers["Location"] == "/@bob"
    saved = await member(client, "bob")
    assert (saved.display_name, saved.headline, saved.location, saved.industry) == (
        "Bob Baker", "Head of Bread", "Lyon", "Food",
    )  # fmt: skip
    assert saved.summary == "<p>I bake.</p><p>And I teach.</p>"
    assert saved.open_to == ["mentoring", "hiring"]
    assert saved.skills == ["Sourdough", "Teaching"]
    assert [e["title"] for e in saved.experience] == ["Head baker", "Apprentice"]
    assert saved.experience[0]["end"] is None and saved.experience[1]["end"] == "2012-06"
    assert saved.education[0]["school"] == "École du Pain"
    assert saved.links == [{"name": "Bakery", "url": "https://crumb.example/"}]
    assert saved.fields == [{"name": "Pronouns", "value": "he/him"}]

    again = await browser.get("/profile/edit")  # the form shows what is stored
    for text in ('value="Head of Bread"', "I bake.\n\nAnd I teach.", 'value="Apprentice"',
                 'value="2012-06"', "Sourdough\nTeaching", 'value="he/him"'):  # fmt: skip
        assert text in again, text
    assert 'value="mentoring" checked' in again and 'value="speaking">' in again
    assert 'name="experience_rows" value="3"' in again  # two entries and an empty row


async def test_line_breaks_as_browsers_send_them(client: TestClient) -> None:
    """A textarea's line breaks arrive as CRLF (HTML says so): saved as paragraphs."""
    browser = await bob(client)
    crlf = {"summary": "I bake.\r\n\r\nAnd I teach.", "skills": "Sourdough\r\nTeaching\r\n",
            "experience-0-description": "Ovens.\r\nAnd more ovens."}  # fmt: skip
    await send(browser, dict(FULL, **crlf))
    saved = await member(client, "bob")
    assert saved.summary == "<p>I bake.</p><p>And I teach.</p>"
    assert saved.skills == ["Sourdough", "Teaching"]
    assert saved.experience[0]["description"] == "Ovens.\nAnd more ovens."


async def test_removing_and_adding_entries_without_javascript(client: TestClient) -> None:
    svc = client.app[SERVICES]
    browser = await bob(client)
    from server.services.actors import change_profile

    await change_profile(svc, "bob", PROFILE)
    page = await browser.get("/profile/edit")
    assert 'name="experience_rows" value="3"' in page
    added = await send(
        browser, dict(FULL, add="experience", **{"experience-2-title": "typed"}), status=200
    )  # fmt: skip
    assert 'name="experience_rows" value="4"' in added.body_text
    assert 'value="typed"' in added.body_text  # kept, not saved
    assert re.search(
        r'<fieldset class="entry-form" tabindex="-1" autofocus>\s*<legend>Position 4',
        added.body_text,
    )
    assert (await member(client, "bob")).headline == PROFILE.headline
    part = await send(browser, dict(FULL, add="links"), status=200, headers=HTMX)
    assert 'id="section-links"' in part.body_text

    removed = dict(FULL, **{"experience-0-remove": "1"})
    await send(browser, removed)
    assert [e["title"] for e in (await member(client, "bob")).experience] == ["Apprentice"]


async def test_a_refused_edit_keeps_everything_and_names_the_field(client: TestClient) -> None:
    browser = await bob(client)
    await browser.get("/profile/edit")
    bad = dict(FULL, **{
        "experience-0-remove": "1",  # so the service's entry 0 is the form's row 1
        "experience-1-end": "2009-01",  # before its start
    })  # fmt: skip
    resp = await send(browser, bad, status=422)
    page = resp.body_text
    assert "must not be before its start" in page
    assert 'href="#field-experience-1-end"' in page
    assert re.search(r'id="field-experience-1-end"[^>]*aria-invalid="true"', page)
    assert 'value="Head of Bread"' in page and 'value="Apprentice"' in page
    assert 'name="experience-0-remove" type="checkbox" value="1" checked' in page
    assert (await member(client, "bob")).headline == ""  # nothing saved

    for field, value, message in (
        ("headline", "x" * 201, "headline must be at most 200"),
        ("links-0-url", "ftp://crumb.example/", "must be an http(s) URL"),
        ("education-0-start", "2008", "must be a date as YYYY-MM"),
        ("fields-0-value", "v" * 2049, "field value must be at most"),
        ("experience-0-title", "", "must not be empty"),
    ):
        resp = await send(browser, dict(FULL, **{field: value}), status=422)
        assert message.lower() in resp.body_text.lower(), field
        assert f'href="#field-{field}"' in resp.body_text, field
    resp = await send(browser, dict(FULL, skills="A\na"), status=422)
    assert "is listed twice" in resp.body_text and 'href="#field-skills"' in resp.body_text


def png(width: int = 40, height: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 90, 40)).save(out, "PNG")
    return out.getvalue()


async def test_pictures_are_uploaded_replaced_and_refused(client: TestClient) -> None:
    browser = await bob(client)
    await browser.get("/profile/edit")
    data = FormData()
    data.add_field("avatar", png(), filename="me.png", content_type="image/png")
    data.add_field("header", png(300, 100), filename="header.png", content_type="image/png")
    resp = await browser.post("/profile/pictures", data)
    assert resp.headers["Location"] == "/profile/edit"
    saved = await member(client, "bob")
    assert saved.avatar_url.startswith("/media/") and saved.header_url.startswith("/media/")
    page = await browser.get("/@bob")
    assert f'src="{saved.header_url}"' in page and f'src="{saved.avatar_url}"' in page
    image = await browser.client.get(saved.avatar_url)
    assert image.status == 200

    data = FormData()
    data.add_field("remove_header", "1")
    data.add_field("header", b"", filename="", content_type="application/octet-stream")
    await browser.post("/profile/pictures", data)
    assert (await member(client, "bob")).header_url == ""

    data = FormData()
    data.add_field("header", b"not an image", filename="x.png", content_type="image/png")
    resp = await browser.post("/profile/pictures", data, status=422)
    assert "not a JPEG, PNG or WebP image" in resp.body_text
    assert 'href="#field-header"' in resp.body_text
    resp = await browser.post("/profile/pictures", FormData(), status=422)
    assert "Choose a picture to upload first" in resp.body_text


async def test_the_welcome_and_who_may_edit(client: TestClient) -> None:
    browser = Browser(client)
    resp = await browser.client.get("/profile/edit", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/signin?next=")
    browser = await bob(client)
    page = await browser.get("/profile/edit?welcome=1")
    assert "Welcome, Bob!" in page and "What makes a good profile" in page
    assert (await members.get_member(client.app[DB], "bob")).display_name == "Bob"
