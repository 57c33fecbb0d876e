"""Administration on the web: the servers this one talks to. Blocking a domain,
changing and lifting a block, the block list as Mastodon's CSV (export, import),
and the list of allowed servers; admins only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from webclient import Browser, member_with_password

from server.appkeys import SERVICES
from server.services import domain_blocks

Browsers = Callable[[], Awaitable[Browser]]
PAGE = "/admin/domains"
SPAM = {
    "domain": "Spam.Example.", "severity": "suspend", "reject_media": "1",
    "public_comment": "Spam and harassment", "private_comment": "Three reports in May",
}  # fmt: skip


async def _admin(client: TestClient) -> Browser:
    await member_with_password(client, "ada", role="admin", display_name="Ada Admin")
    browser = Browser(client)
    await browser.sign_in("ada")
    return browser


def _csv(text: str, name: str = "blocks.csv") -> FormData:
    data = FormData()
    data.add_field("file", text.encode(), filename=name, content_type="text/csv")
    return data


async def test_an_admin_blocks_a_server_through_the_form(client: TestClient) -> None:
    ada = await _admin(client)
    page = await ada.get(PAGE)
    assert 'aria-current="page">Servers</a>' in page
    assert "No server is blocked" in page and 'value="silence" checked' in page
    # Without the form's CSRF token nothing happens.
    await ada.post(PAGE, SPAM, status=403, csrf=False)
    assert await domain_blocks.list_blocks(client.app[SERVICES]) == []
    resp = await ada.post(PAGE, SPAM)
    assert resp.headers["Location"] == PAGE
    page = await ada.get(PAGE)
    assert "spam.example is suspended: nothing goes to it or comes from it any more." in page
    assert 'id="block-domain-' in page and ">spam.example</h3>" in page  # one spelling
    assert "Suspended</li>" in page and "Rejects media</li>" in page
    assert "Rejects reports" not in page
    assert "Spam and harassment" in page and "Three reports in May" in page
    [made] = await domain_blocks.list_blocks(client.app[SERVICES])
    assert (made.domain, made.severity, made.reject_media, made.reject_reports) == (
        "spam.example", "suspend", True, False,
    )  # fmt: skip
    assert made.private_comment == "Three reports in May"
    # Limited and noted-only blocks, each in its words.
    await ada.post(PAGE, {"domain": "loud.example", "severity": "silence"})
    await ada.post(PAGE, {"domain": "watch.example", "severity": "noop"})
    page = await ada.get(PAGE)
    assert "Limited</li>" in page and "No action</li>" in page
    assert '<span class="count">3</span>' in page


async def test_a_refused_block_says_why_next_to_the_field_and_keeps_the_form(
    client: TestClient,
) -> None:
    ada = await _admin(client)
    typed = {**SPAM, "domain": "not a domain", "severity": "noop", "reject_reports": "1"}
    resp = await ada.post(PAGE, typed, status=422)
    page = resp.body_text
    assert '<p class="field-error" id="error-domain">' in page
    error = page.split('id="error-domain">', 1)[1].split("</p>", 1)[0]
    assert "Not a domain name" in error
    assert 'aria-invalid="true"' in page and 'href="#field-domain"' in page  # the summary
    assert 'value="not a domain"' in page and 'value="Spam and harassment"' in page
    assert 'value="noop" checked' in page
    assert (
        'id="field-reject_reports" name="reject_reports" type="checkbox" value="1" checked' in page
    )
    assert 'id="field-reject_media" name="reject_media" type="checkbox" value="1" checked' in page
    assert await domain_blocks.list_blocks(client.app[SERVICES]) == []
    # Other refusals, each next to its own field.
    for form, field, says in (
        ({"domain": "a.test", "severity": "suspend"}, "domain", "would cover this server itself"),
        ({"domain": "x.example", "severity": "loud"}, "severity", "Severity must be one of"),
        ({"domain": "x.example", "public_comment": "x" * 1001}, "public_comment", "At most 1000"),
    ):
        resp = await ada.post(PAGE, form, status=422)
        assert f'id="error-{field}"' in resp.body_text, field
        assert says in resp.body_text.split(f'id="error-{field}">', 1)[1].split("</p>", 1)[0]
    await ada.post(PAGE, {"domain": "x.example", "severity": "silence"})
    resp = await ada.post(PAGE, {"domain": "X.example", "severity": "suspend"}, status=422)
    assert (
        "There is a block of x.example already" in resp.body_text.split('id="error-domain">', 1)[1]
    )


async def test_changing_a_block(client: TestClient) -> None:
    ada = await _admin(client)
    svc = client.app[SERVICES]
    made = await domain_blocks.block(
        svc, "loud.example", severity="silence", reject_media=True, public_comment="Loud"
    )
    page = await ada.get(PAGE)
    assert f'href="/admin/domains/{made.id}/edit"' in page
    edit = f"/admin/domains/{made.id}/edit"
    page = await ada.get(edit)
    assert "The block on loud.example" in page
    assert 'value="silence" checked' in page and 'value="Loud"' in page
    assert 'name="reject_media" type="checkbox" value="1" checked' in page
    assert 'name="reject_reports" type="checkbox" value="1" aria' in page  # not ticked
    # A refusal: the same page, the message next to the field, what was typed kept.
    resp = await ada.post(edit, {"severity": "loud", "public_comment": "Typed"}, status=422)
    assert 'id="error-severity"' in resp.body_text and 'value="Typed"' in resp.body_text
    assert (await domain_blocks.get_block(svc, made.id)).public_comment == "Loud"
    # Suspended now, reports rejected, media no longer, the public comment cleared.
    form = {
        "severity": "suspend",
        "reject_reports": "1",
        "public_comment": "",
        "private_comment": "Worse",
    }
    resp = await ada.post(edit, form)
    assert resp.headers["Location"] == PAGE
    page = await ada.get(PAGE)
    assert "The block on loud.example is saved." in page and "Suspended</li>" in page
    changed = await domain_blocks.get_block(svc, made.id)
    assert (changed.severity, changed.reject_media, changed.reject_reports) == (
        "suspend", False, True,
    )  # fmt: skip
    assert (changed.public_comment, changed.private_comment) == (None, "Worse")
    await ada.get("/admin/domains/12345/edit", status=404)
    await ada.post("/admin/domains/12345/edit", {"severity": "noop"}, status=404)
    await ada.get("/admin/domains/nope/edit", status=404)


async def test_lifting_a_block(client: TestClient) -> None:
    ada = await _admin(client)
    svc = client.app[SERVICES]
    made = await domain_blocks.block(svc, "spam.example", severity="suspend")
    assert f'action="/admin/domains/{made.id}/lift"' in await ada.get(PAGE)
    resp = await ada.post(f"/admin/domains/{made.id}/lift")
    assert resp.headers["Location"] == PAGE
    page = await ada.get(PAGE)
    assert "The block on spam.example is lifted." in page
    assert "Its accounts here are restored" in page and "No server is blocked" in page
    assert await domain_blocks.list_blocks(svc) == []
    resp = await ada.post(f"/admin/domains/{made.id}/lift", status=404)  # lifted already
    assert "no such domain block" in resp.body_text


async def test_the_block_list_is_exported_as_mastodon_csv(client: TestClient) -> None:
    ada = await _admin(client)
    svc = client.app[SERVICES]
    await domain_blocks.block(
        svc, "spam.example", severity="suspend", reject_media=True,
        public_comment="Spam, and more", private_comment="For admins only",
    )  # fmt: skip
    await domain_blocks.block(svc, "loud.example")
    assert 'href="/admin/domains/export.csv"' in await ada.get(PAGE)
    resp = await client.get("/admin/domains/export.csv")
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="a.test-domain-blocks.csv"'
    lines = (await resp.text()).splitlines()
    assert lines[0] == "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    assert sorted(lines[1:]) == [
        "loud.example,silence,false,false,,false",
        'spam.example,suspend,true,false,"Spam, and more",false',
    ]
    assert "For admins only" not in await resp.text()


async def test_importing_a_csv_keeps_the_good_lines_and_names_the_bad(
    client: TestClient,
) -> None:
    ada = await _admin(client)
    svc = client.app[SERVICES]
    await domain_blocks.block(svc, "known.example", severity="silence")
    await domain_blocks.block(svc, "same.example", severity="noop")
    text = (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        "new.example,suspend,true,false,Spam,false\n"
        "not a domain,suspend,false,false,,false\n"
        "known.example,suspend,false,false,,false\n"
        "same.example,noop,false,false,,false\n"
    )
    resp = await ada.post("/admin/domains/import", _csv(text), status=200)
    page = resp.body_text
    assert "Imported: 1 added, 1 updated, 1 unchanged." in page
    assert "1 line was left out:" in page and "line 3: not a domain name" in page
    assert ">new.example</h3>" in page and "not a domain</h3>" not in page
    blocks = {b.domain: b for b in await domain_blocks.list_blocks(svc)}
    assert set(blocks) == {"new.example", "known.example", "same.example"}
    assert blocks["new.example"].reject_media and blocks["new.example"].public_comment == "Spam"
    assert blocks["known.example"].severity == "suspend"
    # A clean file: back to the page, the counts in the message.
    resp = await ada.post("/admin/domains/import", _csv("other.example\n"))
    assert resp.headers["Location"] == PAGE
    assert "Imported: 1 added, 0 updated, 0 unchanged." in await ada.get(PAGE)
    # No file, or not text: said next to the file field.
    resp = await ada.post("/admin/domains/import", {}, status=422)
    assert 'id="error-file"' in resp.body_text and "Choose a CSV file" in resp.body_text
    data = FormData()
    data.add_field("file", b"\xff\xfe\x00bad", filename="x.csv", content_type="text/csv")
    resp = await ada.post("/admin/domains/import", data, status=422)
    assert "not UTF-8 text" in resp.body_text


async def test_the_list_of_allowed_servers(client: TestClient) -> None:
    ada = await _admin(client)
    svc = client.app[SERVICES]
    page = await ada.get(PAGE)
    assert "Allowlist mode is off" in page and "allowlist_mode = true" in page
    resp = await ada.post(f"{PAGE}/allowed", {"allow_domain": "Friends.Example"})
    assert resp.headers["Location"] == PAGE
    page = await ada.get(PAGE)
    assert "friends.example is on the list of allowed servers." in page
    [allowed] = await domain_blocks.list_allows(svc)
    assert f'action="/admin/domains/allowed/{allowed.id}/remove"' in page
    resp = await ada.post(f"{PAGE}/allowed", {"allow_domain": "no way"}, status=422)
    assert 'id="error-allow_domain"' in resp.body_text and 'value="no way"' in resp.body_text
    assert 'id="error-domain"' not in resp.body_text  # the block form is not the one refused
    resp = await ada.post(f"/admin/domains/allowed/{allowed.id}/remove")
    page = await ada.get(PAGE)
    assert "friends.example is no longer on the list of allowed servers." in page
    assert await domain_blocks.list_allows(svc) == []
    await ada.post(f"/admin/domains/allowed/{allowed.id}/remove", status=404)


async def test_the_page_says_when_allowlist_mode_is_on(start: Any, tmp_path: Path) -> None:
    config = tmp_path / "warmline.toml"
    config.write_text("[federation]\nallowlist_mode = true\n")
    client = await start(config_file=str(config))
    ada = await _admin(client)
    page = await ada.get(PAGE)
    assert "Allowlist mode is on" in page and "talks only to the servers listed here" in page


async def test_the_servers_page_is_for_admins(client: TestClient, browsers: Browsers) -> None:
    for path in (PAGE, f"{PAGE}/export.csv", f"{PAGE}/12345/edit"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == f"/signin?next={path}"
    await member_with_password(client, "bob")
    bob = await browsers()
    await bob.sign_in("bob")
    for path in (PAGE, f"{PAGE}/export.csv", f"{PAGE}/12345/edit"):
        assert "This page is for the instance" in await bob.get(path, status=403)
    for path, form in (
        (PAGE, SPAM),
        (f"{PAGE}/allowed", {"allow_domain": "friends.example"}),
        (f"{PAGE}/12345/lift", {}),
    ):
        resp = await bob.post(path, form, status=403)
        assert "This page is for the instance" in resp.body_text
    resp = await bob.post(f"{PAGE}/import", _csv("spam.example\n"), status=403)
    assert "<html" in resp.body_text
    svc = client.app[SERVICES]
    assert await domain_blocks.list_blocks(svc) == [] and await domain_blocks.list_allows(svc) == []
