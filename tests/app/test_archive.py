# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""The archive of everything a member has: asked for through the API, built by
the worker into a real ZIP under the data folder, downloaded with the same
token; what is inside (Mastodon's files, Warmline's JSON, LinkedIn's CSVs,
which our LinkedIn import reads back); a build cut short; the week it is kept;
the CLI's ``member export``.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from apiclient import Member, member
from cliutil import run
from PIL import Image
from webclient import Browser, member_with_password

from server.services import (
    connections,
    endorsements,
    interactions,
    linkedin_import,
    media,
    member_admin,
    members,
    personal,
    posts,
    recommendations,
    tokens,
)
from server.services.archive import documents, jobs
from server.services.context import utc_now
from server.services.members import ProfileChanges
from server.services.posts import Draft
from server.store import archives as archives_q
from server.store import connections as connections_q
from server.store import linkedin as linkedin_q
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Warmline,
    start_warmline,
    warmline,
)

ARCHIVE = "/api/v1/warmline/account/archive"
EXPERIENCE = [
    {"title": "CTO", "organization": "Lumen Labs", "start": "2021-03", "end": None,
     "description": "Leads 20 engineers"},
    {"title": "Engineer", "organization": "Acme", "start": "2015-09", "end": "2021-02",
     "description": ""},
]  # fmt: skip


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 10)).save(out, "PNG")
    return out.getvalue()


async def rich_account(w: Warmline) -> dict[str, Any]:
    """alice with a profile, posts of every visibility (one with an image), a like,
    a bookmark, a connection with bob, bob's endorsement and recommendation."""
    svc = w.svc
    await members.update_profile(
        svc.db, "alice",
        ProfileChanges(headline="Building =warm= networks", experience=EXPERIENCE,
                       skills=["Python", "Hiring"], education=[
                           {"school": "Delft", "degree": "MSc", "field": "CS", "start": "2010-09",
                            "end": "2015-06"}]),
    )  # fmt: skip
    async with svc.db.transaction() as conn:
        await linkedin_q.set_extras(
            conn, w.alice.id, [{"name": "Dutch", "proficiency": "Native"}],
            [{"name": "CKA", "authority": "CNCF", "url": "https://cncf.io/cka",
              "start": "2022-01", "end": None, "license": "=1+1"}], svc.now(),
        )  # fmt: skip
    alice = await members.get_member(svc.db, "alice")
    upload = await media.upload(svc, alice, png(), description="our office")
    pictured = await posts.create_status(
        svc, alice, Draft("Our new office", visibility="public", media_ids=(upload.id,))
    )
    await posts.create_status(svc, alice, Draft("For followers", visibility="private"))
    await posts.create_status(svc, alice, Draft("@bob a word", visibility="direct"))
    bobs = await posts.create_status(svc, w.bob, Draft("Bob's news"))
    await interactions.favourite(svc, alice, bobs.id)
    await personal.bookmark(svc, alice, bobs.id, on=True)
    asked = await connections.request(svc, w.bob, alice, "we met at PyCon")
    await connections.answer(svc, alice, asked.id, accept=True)
    await endorsements.endorse(svc, w.bob, alice, "Python")
    rec = await recommendations.recommend(svc, w.bob, alice, "Alice hires well.")
    await recommendations.answer(svc, alice, rec.id, approve=True)
    return {"upload": upload, "pictured": pictured, "bobs": bobs}


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {name: zf.read(name) for name in zf.namelist()}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


async def built(w: Warmline, api: Member) -> dict[str, Any]:
    """Ask, let the worker build it, and answer the state the API then gives."""
    asked = await api.post(ARCHIVE, status=202)
    assert asked["state"] == "pending" and asked["url"] is None
    assert await jobs.ArchiveWorker(w.svc).run_once() == 1
    return await api.get(ARCHIVE)


async def download(api: Member, url: str) -> bytes:
    resp = await api.client.get(url.split("a.test", 1)[1], headers=api._h())
    assert resp.status == 200, await resp.text()
    assert resp.headers["Content-Type"] == "application/zip"
    assert resp.headers["Cache-Control"] == "no-store"
    return await resp.read()


async def test_an_archive_holds_posts_media_network_and_csv_files(warmline: Warmline) -> None:
    made = await rich_account(warmline)
    api = await member(warmline.client, "alice")
    assert (await api.get(ARCHIVE)) == {"state": "none", "url": None}

    state = await built(warmline, api)
    assert state["state"] == "ready" and state["url"].startswith(f"http://a.test{ARCHIVE}/archive-")
    assert state["progress"]["done"] == state["progress"]["total"] > 4
    files = read_zip(await download(api, state["url"]))
    assert state["size"] > 0

    # Mastodon's files: the actor points into the archive, every post is in the outbox.
    actor = json.loads(files["actor.json"])
    assert actor["id"] == "http://a.test/users/alice" and actor["outbox"] == "outbox.json"
    outbox = json.loads(files["outbox.json"])
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 3
    contents = [item["object"]["content"] for item in outbox["orderedItems"]]
    assert any("For followers" in c for c in contents) and any("a word" in c for c in contents)
    assert all("@context" not in item for item in outbox["orderedItems"])
    pictured = next(i for i in outbox["orderedItems"] if "office" in i["object"]["content"])
    url = pictured["object"]["attachment"][0]["url"]
    assert url == f"media_attachments/files/{made['upload'].file_name}"
    stored = media.files(warmline.svc).path(made["upload"].file_name)
    assert stored is not None and files[url] == stored.read_bytes()
    bobs_uri = f"http://a.test/users/bob/statuses/{made['bobs'].id}"
    assert json.loads(files["likes.json"])["orderedItems"] == [bobs_uri]
    assert json.loads(files["bookmarks.json"])["orderedItems"] == [bobs_uri]

    # Warmline's JSON: the profile and the network.
    profile = json.loads(files["warmline/profile.json"])
    assert profile["experience"][0]["organization"] == "Lumen Labs"
    assert profile["languages"] == [{"name": "Dutch", "proficiency": "Native"}]
    network = json.loads(files["warmline/connections.json"])
    assert [c["acct"] for c in network["items"]] == ["bob"]
    assert network["items"][0]["uri"] == "http://a.test/users/bob"
    given = json.loads(files["warmline/endorsements.json"])
    assert [(e["skill"], e["by"]["acct"]) for e in given["received"]] == [("Python", "bob")]
    recs = json.loads(files["warmline/recommendations.json"])
    assert [(r["from"]["acct"], r["state"]) for r in recs["received"]] == [("bob", "approved")]

    # LinkedIn's CSV files and Mastodon's lists.
    positions = csv_rows(files["linkedin/Positions.csv"])
    assert [(p["Company Name"], p["Started On"], p["Finished On"]) for p in positions] == [
        ("Lumen Labs", "Mar 2021", ""), ("Acme", "Sep 2015", "Feb 2021")
    ]  # fmt: skip
    assert csv_rows(files["linkedin/Profile.csv"])[0]["Headline"] == "Building =warm= networks"
    certs = csv_rows(files["linkedin/Certifications.csv"])
    assert certs[0]["License Number"] == "'=1+1"  # no spreadsheet runs it
    people = csv_rows(files["linkedin/Connections.csv"])
    assert [(p["First Name"], p["Last Name"], p["URL"]) for p in people] == [
        ("Bob", "Baker", "http://a.test/users/bob")
    ]
    assert csv_rows(files["linkedin/Recommendations_Received.csv"])[0]["Status"] == "VISIBLE"
    assert b"Account address" in files["following_accounts.csv"]
    assert "README.txt" in files


async def test_our_linkedin_import_reads_an_archive_back(warmline: Warmline) -> None:
    await rich_account(warmline)
    api = await member(warmline.client, "alice")
    state = await built(warmline, api)
    data = await download(api, state["url"])
    carol = await members.create_member(warmline.svc.db, "carol")
    report = await linkedin_import.import_export(
        warmline.svc, carol, data, dry_run=False, replace=False
    )
    assert report.imported["experience"] == 2 and report.imported["skills"] == 2
    carol = await members.get_member(warmline.svc.db, "carol")
    assert [e["organization"] for e in carol.experience] == ["Lumen Labs", "Acme"]
    assert carol.experience[0]["start"] == "2021-03" and carol.education[0]["school"] == "Delft"


async def test_one_archive_at_a_time_and_one_a_day(warmline: Warmline) -> None:
    api = await member(warmline.client, "alice")
    first = await api.post(ARCHIVE, status=202)
    again = await api.post(ARCHIVE, status=202)  # still being built: the same one
    assert again["id"] == first["id"]
    await jobs.ArchiveWorker(warmline.svc).run_once()
    refused = await api.post(ARCHIVE, status=429)
    assert "less than a day ago" in refused["error"]
    warmline.svc.clock = lambda: utc_now() + timedelta(days=1, minutes=1)
    fresh = await api.post(ARCHIVE, status=202)
    assert fresh["id"] != first["id"]


async def test_only_its_owner_downloads_an_archive(warmline: Warmline) -> None:
    api = await member(warmline.client, "alice")
    state = await built(warmline, api)
    path = state["url"].split("a.test", 1)[1]
    anonymous = await warmline.client.get(path)
    assert anonymous.status == 401 and "error" in await anonymous.json()
    bob = await member(warmline.client, "bob")
    assert "no such archive" in (await bob.get(path, status=404))["error"]
    for wrong in ("archive-1.zip", "..%2Fwarmline.sqlite3", "x" * 300):
        assert (await api.get(f"{ARCHIVE}/{wrong}", status=404))["error"]
    token = await tokens.create_token(warmline.svc.db, "alice", scopes="read:accounts")
    narrow = await warmline.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert narrow.status == 403 and "error" in await narrow.json()


async def test_a_build_cut_short_is_built_again_and_never_offered(warmline: Warmline) -> None:
    await rich_account(warmline)
    api = await member(warmline.client, "alice")
    await api.post(ARCHIVE, status=202)
    svc = warmline.svc
    # A process claimed it and died (it never beat its heartbeat), leaving half a file.
    async with svc.db.transaction() as conn:
        row = await archives_q.claim(conn, svc.now(), svc.now() + jobs.LEASE, owner=424242)
    assert row is not None
    partial = jobs.folder(svc) / f".building-{row.id}.zip"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"PK\x03\x04 half")
    assert (await api.get(ARCHIVE))["url"] is None
    assert await jobs.ArchiveWorker(svc).run_once() == 1
    state = await api.get(ARCHIVE)
    assert state["state"] == "ready"
    assert "outbox.json" in read_zip(await download(api, state["url"]))
    assert not partial.exists()


async def test_a_build_that_fails_is_tried_again_then_given_up(warmline: Warmline) -> None:
    api = await member(warmline.client, "alice")
    await api.post(ARCHIVE, status=202)
    svc = warmline.svc
    blocker = jobs.folder(svc)
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the archives folder should be")
    worker = jobs.ArchiveWorker(svc)
    assert await worker.run_once() == 1
    state = await api.get(ARCHIVE)
    assert state["state"] == "pending" and "could not be built" in state["error"]
    for minutes in (2, 12):
        svc.clock = lambda m=minutes: utc_now() + timedelta(minutes=m)
        assert await worker.run_once() == 1
    assert (await api.get(ARCHIVE))["state"] == "failed"
    blocker.unlink()
    assert (await api.post(ARCHIVE, status=202))["state"] == "pending"  # may ask again


async def test_archives_go_after_a_week_and_with_their_member(warmline: Warmline) -> None:
    api = await member(warmline.client, "alice")
    state = await built(warmline, api)
    name = state["url"].rsplit("/", 1)[1]
    svc = warmline.svc
    assert (jobs.folder(svc) / name).is_file()
    svc.clock = lambda: utc_now() + jobs.KEPT + timedelta(minutes=1)
    assert await jobs.ArchiveWorker(svc).run_once() == 1
    assert not (jobs.folder(svc) / name).exists()
    assert (await api.get(ARCHIVE))["state"] == "none"

    bob = await member(warmline.client, "bob")
    bobs = await built(warmline, bob)
    bobs_file = jobs.folder(svc) / bobs["url"].rsplit("/", 1)[1]
    await member_admin.delete_member(svc, "bob")
    assert not bobs_file.exists()
    async with svc.db.read() as conn:
        assert await archives_q.latest(conn, warmline.bob.id) is None


def test_the_cli_writes_an_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli_config = ["--dev", "--data", str(tmp_path / "data"), "--domain", "cli.test"]
    assert run(["member", "create", "dana", *cli_config], capsys)[0] == 0
    target = tmp_path / "dana.zip"
    code, out, err = run(["member", "export", "dana", str(target), *cli_config], capsys)
    assert code == 0, err
    assert "wrote the archive of dana" in out
    assert "actor.json" in zipfile.ZipFile(target).namelist()
    assert not list(tmp_path.glob(".*.partial"))
    code, _, err = run(["member", "export", "nobody", str(target), *cli_config], capsys)
    assert code != 0 and "nobody" in err
    code, _, err = run(["member", "export", "dana", str(tmp_path / "no" / "a.zip"),
                        *cli_config], capsys)  # fmt: skip
    assert code != 0 and "no folder" in err


async def test_connections_page_through_every_connection(
    warmline: Warmline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More connections than one page of the store holds all reach the archive."""
    svc = warmline.svc
    people = [await members.create_member(svc.db, f"p{i}") for i in range(7)]
    async with svc.db.transaction() as conn:
        for person in people:
            await connections_q.insert_connection(conn, warmline.alice.id, person.id, "", svc.now())
    monkeypatch.setattr(documents, "PAGE", 3)
    async with svc.db.read() as conn:
        found = await documents.all_connections(conn, warmline.alice)
    assert sorted(c.peer.username for c in found) == sorted(p.username for p in people)


async def test_the_settings_page_asks_shows_progress_and_downloads(warmline: Warmline) -> None:
    await member_with_password(warmline.client, "gina")
    web = Browser(warmline.client)
    await web.sign_in("gina")
    page = await web.get("/settings/archive")
    assert "Ask for an archive" in page and 'http-equiv="refresh"' not in page
    await web.post("/settings/archive", {})
    building = await web.get("/settings/archive")
    assert "Being built" in building and 'http-equiv="refresh"' in building
    assert "Ask for an archive" not in building
    await jobs.ArchiveWorker(warmline.svc).run_once()
    ready = await web.get("/settings/archive")
    link = re.search(r'href="(/settings/archive/archive-[^"]+\.zip)"', ready)
    assert link is not None and "Download your archive" in ready
    resp = await warmline.client.get(link.group(1))
    assert resp.status == 200 and "actor.json" in read_zip(await resp.read())
    # A second one the same day: refused in words, on the page.
    again = await web.post("/settings/archive", {}, status=429)
    assert "less than a day ago" in again.body_text
    # Not signed in: the page and the file ask for a sign-in.
    warmline.client.session.cookie_jar.clear()
    anonymous = await warmline.client.get(link.group(1), allow_redirects=False)
    assert anonymous.status in (302, 303, 401)
