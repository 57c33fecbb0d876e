# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Reports on the web: a member reports an account and its posts (``/report``, from
a profile or a post's menu); moderators work through the queue (``/admin/reports``),
act on the reported account, and read the moderation log (``/admin/log``)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from webclient import PASSWORD, Browser, member_with_password

from server.appkeys import SERVICES
from server.services import posts
from server.services.posts import Draft
from server.store import accounts as accounts_q
from server.store import reports as reports_q
from server.store.accounts import AccountRow
from server.store.reports import ReportRow
from server.web.reporting import THANKS
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Peer,
    Warmline,
    make_peer,
    peer,
    remote_post,
    start_warmline,
    warmline,
)

QUEUE = "/admin/reports"


async def _signed_in(client: TestClient, username: str, role: str = "member") -> Browser:
    await member_with_password(client, username, role=role)
    client.session.cookie_jar.clear()  # one cookie jar per client: whoever was signed in leaves
    browser = Browser(client)
    await browser.sign_in(username)
    return browser


async def _account(client: TestClient, username: str) -> AccountRow:
    async with client.app[SERVICES].db.read() as conn:
        found = await accounts_q.get_local_account(conn, username)
    assert found is not None
    return found


async def _reports(client: TestClient, resolved: bool = False) -> list[ReportRow]:
    async with client.app[SERVICES].db.read() as conn:
        return await reports_q.list_reports(conn, resolved=resolved, limit=50)


async def _tom_posts(client: TestClient) -> tuple[AccountRow, int, int]:
    """Tom, a member with two public posts; the ids of both, newest last."""
    await member_with_password(client, "tom", display_name="Tom Thumb")
    tom = await _account(client, "tom")
    svc = client.app[SERVICES]
    first = await posts.create_status(svc, tom, Draft("Buy cheap watches at example.com"))
    second = await posts.create_status(svc, tom, Draft("Cheap watches, again!"))
    return tom, first.id, second.id


def _report_url(account_id: int, status_id: int | None = None) -> str:
    return f"/report?account={account_id}" + (f"&status={status_id}" if status_id else "")


def _ticked(page: str) -> set[str]:
    return set(re.findall(r'name="status_ids" type="checkbox" value="(\d+)" checked', page))


async def test_a_member_reports_a_members_post_from_the_post_menu(client: TestClient) -> None:
    rita = await _signed_in(client, "rita")
    tom, first, second = await _tom_posts(client)
    post_page = await rita.get(f"/@tom/{first}")
    link = f"/report?account={tom.id}&amp;status={first}"
    assert link in post_page and "Report Tom Thumb" in post_page  # the post's menu
    profile = await rita.get("/@tom")
    assert f'href="/report?account={tom.id}"' in profile  # and the profile
    assert "/report?" not in await rita.get("/@rita")  # not oneself

    page = await rita.get(_report_url(tom.id, first), headers={"Referer": f"/@tom/{first}"})
    assert "Report Tom Thumb" in page and 'name="csrf_token"' in page
    assert "Buy cheap watches" in page and "Cheap watches, again!" in page  # the checklist
    assert _ticked(page) == {str(first)}  # the post it came from
    assert 'value="other" checked' in page
    assert 'name="forward"' not in page  # tom is a member here
    assert f'name="next" value="/@tom/{first}"' in page

    sent = {
        "account": str(tom.id), "category": "spam", "comment": "Spam in every post",
        "status_ids": [str(first), str(second)], "next": f"/@tom/{first}",
    }  # fmt: skip
    await rita.post("/report", sent, status=403, csrf=False)  # no CSRF token, no report
    assert await _reports(client) == []
    resp = await rita.post("/report", sent)
    assert resp.headers["Location"] == f"/@tom/{first}"
    assert THANKS in await rita.get(resp.headers["Location"])
    [made] = await _reports(client)
    assert (made.target_account_id, made.category, made.comment) == (
        tom.id,
        "spam",
        "Spam in every post",
    )
    assert sorted(made.status_ids) == sorted([first, second]) and not made.forwarded


async def test_a_refused_report_keeps_what_was_typed(client: TestClient) -> None:
    rita = await _signed_in(client, "rita")
    tom, first, _second = await _tom_posts(client)
    await rita.get(_report_url(tom.id, first))
    typed = {
        "account": str(tom.id), "category": "bogus", "comment": "Kept as typed",
        "status_ids": str(first), "status": str(first), "next": "/@tom",
    }  # fmt: skip
    page = (await rita.post("/report", typed, status=422)).body_text
    assert '<p class="field-error" id="error-category">' in page
    assert "Category must be one of spam, legal, violation, other" in page
    assert 'href="#field-category"' in page and 'id="field-category"' in page
    assert "Kept as typed</textarea>" in page and _ticked(page) == {str(first)}

    too_long = {**typed, "category": "violation", "comment": "x" * 1001}
    page = (await rita.post("/report", too_long, status=422)).body_text
    assert '<p class="field-error" id="error-comment">' in page
    assert "At most 1000 characters" in page and "x" * 1001 + "</textarea>" in page
    assert 'value="violation" checked' in page and 'aria-invalid="true"' in page
    assert await _reports(client) == []

    # Reporting oneself is refused above the form; an unknown account is a 404.
    me = await _account(client, "rita")
    page = (await rita.post("/report", {**typed, "account": str(me.id), "category": "spam",
                                        "status_ids": []}, status=422)).body_text  # fmt: skip
    assert "You cannot report yourself" in page
    await rita.get(_report_url(12345), status=404)


async def test_reporting_needs_a_signed_in_member(client: TestClient) -> None:
    tom, first, _second = await _tom_posts(client)
    visitor = Browser(client)
    url = _report_url(tom.id, first)
    resp = await client.get(url, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/signin?next=")
    assert "/report?" not in await visitor.get("/@tom")
    assert "/report?" not in await visitor.get(f"/@tom/{first}")


async def test_a_remote_account_can_be_reported_to_its_server_too(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    rita = await _signed_in(w.client, "rita")
    erin = await w.remote_account(peer.add("erin"))
    theirs = await remote_post(w, peer.actors["erin"])
    page = await rita.get(_report_url(erin.id, theirs.id))
    assert f"Also send an anonymous copy to their server ({peer.host})" in page
    assert 'name="forward"' in page and _ticked(page) == {str(theirs.id)}
    sent = {"account": str(erin.id), "category": "violation", "status_ids": str(theirs.id),
            "forward": "1", "comment": "Rude", "next": "/"}  # fmt: skip
    assert (await rita.post("/report", sent)).headers["Location"] == "/"
    [made] = await _reports(w.client)
    assert made.forwarded and made.status_ids == [theirs.id]
    await w.run_deliveries()
    [flag] = [r.doc for r in peer.received if r.doc["type"] == "Flag"]
    assert flag["object"] == [erin.uri, theirs.uri] and flag["content"] == "Rude"


async def _reported(client: TestClient) -> tuple[AccountRow, int]:
    """Rita has reported Tom's first post."""
    rita = await _signed_in(client, "rita")
    tom, first, _second = await _tom_posts(client)
    sent = {"account": str(tom.id), "category": "spam", "comment": "Watches everywhere",
            "status_ids": str(first), "next": "/"}  # fmt: skip
    await rita.post("/report", sent)
    return tom, first


async def test_a_moderator_resolves_a_report_and_suspends_the_account(
    client: TestClient,
) -> None:
    tom, first = await _reported(client)
    domain = client.app[SERVICES].config.domain
    mo = await _signed_in(client, "mo", role="moderator")
    home = await mo.get("/")
    assert 'href="/admin/reports"' in home and 'href="/admin"' not in home  # the menu
    page = await mo.get(QUEUE)
    assert 'aria-current="page">Reports</a>' in page
    assert "/admin/members" not in page and "/admin/domains" not in page  # admins' tabs
    assert 'Reported by <a href="/@rita">Rita</a>' in page and "Tom Thumb" in page
    assert "Spam</li>" in page and "Watches everywhere" in page
    assert "Buy cheap watches at example.com" in page and f'href="/@tom/{first}"' in page
    [report] = await _reports(client)

    resp = await mo.post(f"/admin/accounts/{tom.id}/silence", headers={"Referer": QUEUE})
    assert f"@tom@{domain} is limited" in await mo.get(resp.headers["Location"])
    assert (await _account(client, "tom")).silenced_at is not None
    resp = await mo.post(f"/admin/accounts/{tom.id}/suspend", {"text": "Spam, twice"})
    page = await mo.get(resp.headers["Location"])
    assert f"@tom@{domain} is suspended." in page and "Lift suspension" in page
    assert (await _account(client, "tom")).suspended_at is not None
    # Done already: said as it is, not an error page.
    resp = await mo.post(f"/admin/accounts/{tom.id}/suspend")
    assert "is already suspended" in await mo.get(resp.headers["Location"])

    resp = await mo.post(f"/admin/reports/{report.id}/resolve")
    assert resp.headers["Location"] == QUEUE
    page = await mo.get(QUEUE)
    assert "The report is resolved." in page and "No open reports" in page
    page = await mo.get(QUEUE + "?show=resolved")
    assert "Resolved by Mo" in page and f"/admin/reports/{report.id}/reopen" in page
    assert await _reports(client) == [] and len(await _reports(client, resolved=True)) == 1
    await mo.post(f"/admin/reports/{report.id}/reopen")
    assert len(await _reports(client)) == 1
    await mo.post(f"/admin/accounts/{tom.id}/unsuspend")
    assert (await _account(client, "tom")).suspended_at is None

    log = await mo.get("/admin/log")
    assert 'aria-current="page">Moderation log</a>' in log
    for words in ("limited", "suspended", "lifted the suspension of", "resolved", "reopened"):
        assert words in log, words
    assert f"@tom@{domain}" in log and "@mo" in log and "Spam, twice" in log


async def test_a_moderator_cannot_act_on_an_admin(client: TestClient) -> None:
    await member_with_password(client, "ada", role="admin", display_name="Ada Admin")
    ada = await _account(client, "ada")
    mo = await _signed_in(client, "mo", role="moderator")
    resp = await mo.post(f"/admin/accounts/{ada.id}/suspend", headers={"Referer": QUEUE})
    assert resp.headers["Location"] == QUEUE
    assert "A moderator cannot act on another moderator or an admin" in await mo.get(QUEUE)
    assert (await _account(client, "ada")).suspended_at is None


async def test_an_admin_sees_the_reports_among_the_admin_tabs(client: TestClient) -> None:
    await _reported(client)
    ada = await _signed_in(client, "ada", role="admin")
    page = await ada.get(QUEUE)
    assert 'href="/admin/members"' in page and 'aria-current="page">Reports</a>' in page
    assert "Watches everywhere" in page


async def test_the_queue_is_for_moderators(client: TestClient) -> None:
    await _reported(client)
    client.session.cookie_jar.clear()  # signed out
    for path in (QUEUE, "/admin/log", QUEUE + "?show=resolved"):
        resp = await client.get(path, allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"].startswith("/signin?next=")
    client.session.cookie_jar.clear()
    rita = Browser(client)
    await rita.sign_in("rita", PASSWORD)
    assert "for the instance" in await rita.get(QUEUE, status=403)
    await rita.get("/admin/log", status=403)
    [report] = await _reports(client)
    await rita.post(f"/admin/reports/{report.id}/resolve", status=403)
    tom = await _account(client, "tom")
    await rita.post(f"/admin/accounts/{tom.id}/suspend", status=403)
    assert (await _account(client, "tom")).suspended_at is None
    assert len(await _reports(client)) == 1
