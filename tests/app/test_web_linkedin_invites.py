"""Inviting the LinkedIn connections who are not here, by a ``mailto:`` link the member
sends from their own email program: on the LinkedIn import page and in the API."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, unquote, urlsplit

import aiohttp
import linkedin_samples as samples
import pytest
from aiohttp.test_utils import TestClient
from apiclient import member
from webclient import Browser, member_with_password

from server.appkeys import SERVICES
from server.services.linkedin_invites import plausible_email

Browsers = Callable[[], Awaitable[Browser]]
HOSTILE_NAME = '"><img src=x onerror=alert(1)>'
ROWS = [
    ["Dan", "Smith", "https://www.linkedin.com/in/dan-smith", "dan.smith+work@example.com",
     "Acme", "CTO", "03 Mar 2021"],
    ["Eve", "Nomail", "https://www.linkedin.com/in/eve-nomail", "", "Acme", "CFO",
     "03 Mar 2021"],
    [HOSTILE_NAME, "Zed", "https://www.linkedin.com/in/zed", "zed@example.com", "", "",
     "03 Mar 2021"],
    ["Mallory", "Cc", "https://www.linkedin.com/in/mallory",
     "mallory@example.com?cc=everyone@evil.example&body=hi", "", "", "03 Mar 2021"],
    ["Javier", "Script", "https://www.linkedin.com/in/javier", "javascript:alert(1)//@x.com",
     "", "", "03 Mar 2021"],
]  # fmt: skip


def _export() -> bytes:
    return samples.zip_of(
        {"Connections.csv": samples.table(samples.CONNECTIONS_HEADER, ROWS, preamble=samples.NOTES)}
    )


def _upload(data: bytes) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("action", "import")
    form.add_field("file", data, filename="linkedin.zip", content_type="application/zip")
    return form


async def _set_mode(client: TestClient, mode: str) -> None:
    svc = client.app[SERVICES]
    await svc.site.change(svc.now(), registrations=mode)


async def _imported(client: TestClient, browsers: Browsers) -> Browser:
    await member_with_password(client, "jane")
    jane = await browsers()
    await jane.sign_in("jane")
    await jane.get("/settings/linkedin")
    await jane.post("/settings/linkedin/import", _upload(_export()), 200)
    return jane


def _mailtos(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="(mailto:[^"]*)"', page)]


def _read(mailto: str) -> tuple[str, dict[str, str]]:
    """The address and the decoded subject and body of a ``mailto:`` link."""
    parts = urlsplit(mailto)
    assert parts.scheme == "mailto"
    fields = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    assert set(fields) == {"subject", "body"}
    return unquote(parts.path), fields


@pytest.mark.parametrize("mode", ["open", "approval"])
async def test_contacts_with_an_email_get_an_encoded_invite_link(
    client: TestClient, browsers: Browsers, mode: str
) -> None:
    await _set_mode(client, mode)
    jane = await _imported(client, browsers)
    page = await jane.get("/settings/linkedin")
    assert "5 other LinkedIn connections are not matched" in page
    links = _mailtos(page)
    assert len(links) == 2  # Dan and the hostile name with a good address; no one else

    dan = next(link for link in links if "dan.smith" in link)
    assert dan.startswith("mailto:dan.smith%2Bwork@example.com?subject=Join%20me%20on%20")
    assert "\n" not in dan and " " not in dan and "&" in dan
    address, fields = _read(dan)
    assert address == "dan.smith+work@example.com"
    assert fields["subject"].startswith("Join me on ")
    body = fields["body"]
    assert body.startswith("Hi Dan,\r\n")
    assert "http://a.test/signup" in body and "@jane@a.test" in body
    assert ("ask to join" in body) == (mode == "approval")
    assert 'aria-label="Invite Dan Smith by email"' in page

    # A hostile name is text in the page and percent-encoded in the link.
    zed = next(link for link in links if link.startswith("mailto:zed@example.com"))
    assert "<img" not in zed and '"' not in zed
    assert _read(zed)[1]["body"].startswith(f"Hi {HOSTILE_NAME},")
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page

    # No email, or one that does not look like an email: no link.
    eve = page.split("Eve Nomail", 1)[1].split("</li>", 1)[0]
    assert "No email address" in eve and "mailto:" not in eve
    for name in ("Mallory Cc", "Javier Script"):
        assert "mailto:" not in page.split(name, 1)[1].split("</li>", 1)[0]
    assert "evil.example" not in "".join(links) and "javascript" not in "".join(links)


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("closed", "Sign-ups are closed on this server"),
        ("invite", "only its administrators can make one"),
    ],
)
async def test_no_link_and_a_reason_when_members_cannot_invite(
    client: TestClient, browsers: Browsers, mode: str, why: str
) -> None:
    await _set_mode(client, mode)
    jane = await _imported(client, browsers)
    page = await jane.get("/settings/linkedin")
    assert "mailto:" not in page
    assert why in page


async def test_the_list_of_others_pages(client: TestClient, browsers: Browsers) -> None:
    await _set_mode(client, "open")
    await member_with_password(client, "jane")
    jane = await browsers()
    await jane.sign_in("jane")
    rows = [[f"P{i:03}", f"L{i:03}", f"https://www.linkedin.com/in/p-{i}",
             f"p{i}@example.com", "", "", "03 Mar 2021"] for i in range(60)]  # fmt: skip
    data = samples.zip_of({"Connections.csv": samples.table(samples.CONNECTIONS_HEADER, rows)})
    await jane.get("/settings/linkedin")
    await jane.post("/settings/linkedin/import", _upload(data), 200)
    first = await jane.get("/settings/linkedin")
    assert len(_mailtos(first)) == 50 and 'href="?others=50#invite-title"' in first
    second = await jane.get("/settings/linkedin?others=50")
    assert len(_mailtos(second)) == 10 and 'href="?others=0#invite-title"' in second
    assert "P059 L059" in second and "P000 L000" not in second
    for odd in ("²", "-5", "abc", "9" * 20):  # read as the first page, never an error
        assert len(_mailtos(await jane.get(f"/settings/linkedin?others={odd}"))) == 50


async def test_the_api_lists_an_invite_url_for_unmatched_contacts(client: TestClient) -> None:
    await _set_mode(client, "open")
    bob = await member(client, "bob")
    await bob.put(
        "/api/v1/warmline/profile/linkedin",
        json={"url": "https://www.linkedin.com/in/bob-builder", "findable": True},
    )
    jane = await member(client, "jane")
    form = aiohttp.FormData()
    form.add_field("file", samples.english_old(), filename="x.zip", content_type="application/zip")
    await jane.post("/api/v1/warmline/import/linkedin", 200, data=form)
    matched, carol = await jane.get("/api/v1/warmline/import/linkedin/contacts")
    assert matched["account"] is not None and matched["invite_url"] is None  # here already
    assert carol["email"] in ("", None) and carol["invite_url"] is None  # no email

    form = aiohttp.FormData()
    form.add_field("file", _export(), filename="x.zip", content_type="application/zip")
    await jane.post("/api/v1/warmline/import/linkedin", 200, data=form)
    found = {
        c["first_name"]: c for c in await jane.get("/api/v1/warmline/import/linkedin/contacts")
    }
    address, fields = _read(found["Dan"]["invite_url"])
    assert address == "dan.smith+work@example.com" and "Hi Dan," in fields["body"]
    assert found["Eve"]["invite_url"] is None
    assert found["Mallory"]["invite_url"] is None and found["Javier"]["invite_url"] is None
    assert found[HOSTILE_NAME]["invite_url"].startswith("mailto:zed@example.com?")

    await _set_mode(client, "closed")
    closed = await jane.get("/api/v1/warmline/import/linkedin/contacts")
    assert all(c["invite_url"] is None for c in closed)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("jane@example.com", "jane@example.com"),
        ("  o'brien+x@mail.example.org ", "o'brien+x@mail.example.org"),
        ("", None),
        (None, None),
        ("jane@localhost", None),
        ("jane@@example.com", None),
        ("a b@example.com", None),
        ("jane@example.com\r\nBcc: x@y.example", None),
        ("jane@example.com?cc=x@y.example", None),
        (".jane@example.com", None),
        ("ja..ne@example.com", None),
        ("jané@example.com", None),
        ("jane@-example.com", None),
        ("x" * 65 + "@example.com", None),
        ("jane@" + "a" * 250 + ".com", None),
        ("<jane@example.com>", None),
    ],
)
def test_only_what_looks_like_an_email_is_used(value: str | None, kept: str | None) -> None:
    assert plausible_email(value) == kept
