"""The LinkedIn import page, without JavaScript: preview, import, the matched
contacts with their one-step Connect, recommendations shown on request, and
one's own LinkedIn address with the opt-in to be found by it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import linkedin_samples as samples
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from webclient import Browser, member_with_password
from webpeople import text_of

from server.appkeys import DB
from server.services import members

Browsers = Callable[[], Awaitable[Browser]]


def _upload(data: bytes, action: str, *, replace: bool = False) -> FormData:
    form = FormData()
    form.add_field("action", action)
    if replace:
        form.add_field("replace", "1")
    form.add_field("file", data, filename="linkedin.zip", content_type="application/zip")
    return form


async def _browser(client: TestClient, browsers: Browsers, name: str) -> Browser:
    await member_with_password(client, name)
    browser = await browsers()
    await browser.sign_in(name)
    return browser


async def test_preview_then_import_then_connect(client: TestClient, browsers: Browsers) -> None:
    bob = await _browser(client, browsers, "bob")
    await bob.get("/settings/linkedin")
    await bob.post(
        "/settings/linkedin/link",
        {"url": "https://www.linkedin.com/in/bob-builder", "findable": "1"},
    )
    page = await bob.get("/settings/linkedin")
    assert 'value="https://www.linkedin.com/in/bob-builder"' in page

    jane = await _browser(client, browsers, "jane")
    page = await jane.get("/settings/linkedin")
    assert "Import your LinkedIn profile" in page
    resp = await jane.post(
        "/settings/linkedin/import", _upload(samples.english_old(), "preview"), 200
    )
    text = text_of(resp.body_text)
    assert "This import would add 2 positions, 1 school, 2 skills" in text
    assert "Nothing was changed: this was a preview." in text
    account = await members.get_member(client.app[DB], "jane")
    assert account.experience == []

    resp = await jane.post(
        "/settings/linkedin/import", _upload(samples.english_old(), "import"), 200
    )
    text = text_of(resp.body_text)
    assert "This import added 2 positions" in text
    assert "2 LinkedIn connections were found; 1 of them" in text
    assert "1 other LinkedIn connection is not matched; it stays private to you." in text
    assert 'aria-label="Connect with Bob"' in resp.body_text
    account = await members.get_member(client.app[DB], "jane")
    assert [e["title"] for e in account.experience] == ["Founder", "Engineer"]

    resp = await jane.client.get("/settings/linkedin/contacts.csv")
    assert resp.status == 200 and resp.content_type == "text/csv"
    lines = (await resp.text()).splitlines()
    assert lines[0].startswith("First Name,Last Name,URL")
    assert "@bob@a.test" in lines[1]  # the matched member first
    assert ",\"'=HYPERLINK(" in lines[2]  # a formula cell is neutralised on the way out

    bob_account = await members.get_member(client.app[DB], "bob")
    resp = await jane.post(
        f"/network/connect/{bob_account.id}", {"next": "/settings/linkedin"}, 303
    )
    assert resp.headers["Location"] == "/settings/linkedin"


async def test_recommendations_are_shown_on_request(client: TestClient, browsers: Browsers) -> None:
    jane = await _browser(client, browsers, "jane")
    await jane.get("/settings/linkedin")
    await jane.post("/settings/linkedin/import", _upload(samples.english_old(), "import"), 200)
    page = await jane.get("/settings/linkedin")
    assert "Jane is great to work with." in page and "Show on my profile" in page
    rec_id = page.split('action="/settings/linkedin/recommendations/')[1].split('"')[0]
    await jane.post(f"/settings/linkedin/recommendations/{rec_id}", {"shown": "1"})
    page = await jane.get("/settings/linkedin")
    assert "Hide from my profile" in page
    profile = await jane.get("/@jane")
    assert "Imported from LinkedIn, not signed by its author" in profile
    assert "Jane is great to work with." in profile
    # The languages and certifications the export listed are on the profile too.
    assert "French" in profile and "Native or bilingual" in profile
    assert "AWS Solutions Architect" in profile and "Amazon" in profile
    assert 'href="https://aws.example/cert"' in profile


async def test_refusals_are_shown_on_the_page(client: TestClient, browsers: Browsers) -> None:
    jane = await _browser(client, browsers, "jane")
    await jane.get("/settings/linkedin")
    resp = await jane.post("/settings/linkedin/import", _upload(samples.traversal(), "import"), 422)
    assert "outside itself" in resp.body_text
    resp = await jane.post(
        "/settings/linkedin/import", _upload(samples.not_a_zip(), "preview"), 422
    )
    assert "not a ZIP archive" in resp.body_text
    resp = await jane.post("/settings/linkedin/link", {"url": "https://example.com/x"}, 422)
    assert "must be a LinkedIn profile address" in resp.body_text
