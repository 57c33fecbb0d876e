# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Files that nothing uses any more are deleted: uploads never put on a post, once
older than ``[media] unattached_max_age_hours``, and the avatar or header a
member replaced, once the change commits. Rows go first, files after the
commit: a failure never deletes a file a row still names. SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import FormData
from apiclient import member
from atomicity import everything, refused
from PIL import Image
from sqlalchemy.exc import DBAPIError

from server.app import create_app
from server.appkeys import SERVICES
from server.config import Config, with_overrides
from server.services import media, members, posts
from server.services.actors import change_profile
from server.services.errors import ValidationError
from server.store import media as media_q
from server.store.media import MediaRow
from server.workers.cleanup import MediaCleanup
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Warmline,
    start_warmline,
    warmline,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def png(color: tuple[int, int, int] = (10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, "PNG")
    return out.getvalue()


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(warmline: Warmline) -> Clock:
    clock = Clock()
    warmline.svc.clock = clock
    return clock


def on_disk(w: Warmline) -> set[str]:
    folder = w.svc.config.data_dir / "media"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def names(row: MediaRow) -> set[str]:
    return {row.file_name or "", row.thumbnail_name or ""}


async def stored(w: Warmline, row: MediaRow) -> bool:
    async with w.svc.db.read() as conn:
        return await media_q.get_media(conn, row.id) is not None


# --- uploads never put on a post ---------------------------------------------------------


async def test_old_unattached_uploads_are_deleted_rows_and_files(
    warmline: Warmline, clock: Clock
) -> None:
    w = warmline
    old = await media.upload(w.svc, w.alice, png())
    posted = await media.upload(w.svc, w.alice, png())
    await posts.create_status(w.svc, w.alice, posts.Draft("with a picture", media_ids=(posted.id,)))
    async with w.svc.db.transaction() as conn:  # an image of a remote post: no file of ours
        remote = await media_q.insert_media(
            conn,
            {"id": w.svc.db.new_id(), "account_id": w.bob.id, "content_type": "image/png",
             "remote_url": "https://elsewhere.example/a.png", "created_at": T0},
        )  # fmt: skip
    clock.now = T0 + timedelta(hours=23)
    recent = await media.upload(w.svc, w.bob, png())
    assert on_disk(w) == names(old) | names(posted) | names(recent)

    clock.now = T0 + timedelta(hours=24, seconds=1)
    sweeper = MediaCleanup(w.svc)
    assert await sweeper.run_once() == 1
    assert not await stored(w, old)
    assert on_disk(w) == names(posted) | names(recent)
    assert await sweeper.run_once() == 0
    assert (await w.client.get(f"/media/{old.file_name}")).status == 404
    assert (await w.client.get(f"/media/{posted.file_name}")).status == 200

    clock.now = T0 + timedelta(hours=48)
    assert await sweeper.run_once() == 1  # now the recent one too; the posted one stays
    assert await stored(w, posted) and on_disk(w) == names(posted)
    assert await stored(w, remote)  # not an upload: left alone


async def test_a_deleted_posts_uploads_can_be_redrafted_then_are_swept(
    warmline: Warmline, clock: Clock
) -> None:
    w = warmline
    kept, dropped = [await media.upload(w.svc, w.alice, png()) for _ in range(2)]
    draft = posts.Draft("two pictures", media_ids=(kept.id, dropped.id))
    first = await posts.create_status(w.svc, w.alice, draft)
    clock.now = T0 + timedelta(days=3)  # long after the uploads: the clock restarts at deletion
    await posts.delete_status(w.svc, w.alice, first.id)
    again = await posts.create_status(w.svc, w.alice, posts.Draft("redraft", media_ids=(kept.id,)))
    async with w.svc.db.read() as conn:
        assert [m.id for m in (await media_q.for_statuses(conn, [again.id]))[again.id]] == [kept.id]
    sweeper = MediaCleanup(w.svc)
    assert await sweeper.run_once() == 0
    clock.now = T0 + timedelta(days=4, seconds=1)
    assert await sweeper.run_once() == 1
    assert await stored(w, kept) and not await stored(w, dropped)
    assert on_disk(w) == names(kept)


async def test_the_age_is_a_setting_and_batches_run_until_none_is_left(
    warmline: Warmline, clock: Clock
) -> None:
    w = warmline
    w.svc.config = with_overrides(
        w.svc.config, media=replace(w.svc.config.media, unattached_max_age_hours=2)
    )
    uploads = [await media.upload(w.svc, w.alice, png()) for _ in range(3)]
    clock.now = T0 + timedelta(hours=1, minutes=59)
    sweeper = MediaCleanup(w.svc, batch=2)
    assert await sweeper.run_once() == 0
    clock.now = T0 + timedelta(hours=2, minutes=1)
    assert [await sweeper.run_once() for _ in range(3)] == [2, 1, 0]
    assert not any([await stored(w, row) for row in uploads])
    assert on_disk(w) == set()


async def test_a_failed_sweep_deletes_no_file(warmline: Warmline, clock: Clock) -> None:
    w = warmline
    row = await media.upload(w.svc, w.alice, png())
    clock.now = T0 + timedelta(days=2)
    before = await everything(w.svc.db)
    with pytest.raises(DBAPIError, match="media_attachments refused"):
        async with refused(w.svc.db, "media_attachments", "DELETE"):
            await MediaCleanup(w.svc).run_once()
    assert await everything(w.svc.db) == before
    assert on_disk(w) == names(row)  # the row still names them: both files stay
    assert await MediaCleanup(w.svc).run_once() == 1
    assert on_disk(w) == set()


async def test_the_server_sweeps_at_start_up(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    """Started again with its workers, the server deletes an upload left from long ago."""
    config = make_config(domain="a.test", database_url=database_url)
    first = await aiohttp_client(create_app(config, workers=False))
    svc = first.app[SERVICES]
    alice = await members.create_member(svc.db, "alice")
    svc.clock = lambda: datetime.now(UTC) - timedelta(days=2)
    row = await media.upload(svc, alice, png())
    folder = config.data_dir / "media"
    assert {p.name for p in folder.iterdir()} == names(row)
    await first.close()

    second = await aiohttp_client(create_app(config))
    for _ in range(200):
        if not any(folder.iterdir()):
            break
        await asyncio.sleep(0.05)
    assert not any(folder.iterdir())
    async with second.app[SERVICES].db.read() as conn:
        assert await media_q.get_media(conn, row.id) is None


# --- replaced avatars and headers ---------------------------------------------------------


async def update_credentials(w: Warmline, token: str, **files: bytes) -> dict[str, str]:
    body = FormData()
    for name, data in files.items():
        body.add_field(name, data, filename=f"{name}.png", content_type="image/png")
    resp = await w.client.patch(
        "/api/v1/accounts/update_credentials",
        data=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 200, await resp.text()
    entity = await resp.json()
    return {name: entity[name].rsplit("/", 1)[-1] for name in ("avatar", "header")}


async def test_a_replaced_avatar_or_header_is_deleted_once_the_change_commits(
    warmline: Warmline,
) -> None:
    w = warmline
    alice = await member(w.client, "alice")
    first = await update_credentials(w, alice.token, avatar=png(), header=png((1, 2, 3)))
    avatar, header = first["avatar"], first["header"]
    assert on_disk(w) == {avatar, header}  # one file each: no thumbnail for pictures

    second = await update_credentials(w, alice.token, avatar=png((9, 9, 9)))
    new_avatar = second["avatar"]
    assert new_avatar != avatar and second["header"] == first["header"]
    assert on_disk(w) == {new_avatar, header}

    # The change rolls back after the profile row was written (its Update cannot
    # be stored): the pictures it would have replaced are still named, and kept.
    with pytest.raises(DBAPIError, match="activities refused"):
        async with refused(w.svc.db, "activities"):
            await change_profile(w.svc, "alice", members.ProfileChanges(), {"avatar": png()})
    account = await members.get_member(w.svc.db, "alice")
    assert account.avatar_url == f"/media/{new_avatar}"
    assert {new_avatar, header} <= on_disk(w)  # (the unused new file may stay behind)
    assert (await w.client.get(f"/media/{new_avatar}")).status == 200


async def test_a_refused_profile_change_leaves_no_new_picture_behind(warmline: Warmline) -> None:
    w = warmline
    alice = await member(w.client, "alice")
    kept = (await update_credentials(w, alice.token, avatar=png()))["avatar"]
    too_long = members.ProfileChanges(display_name="x" * 500)
    with pytest.raises(ValidationError):
        await change_profile(w.svc, "alice", too_long, {"avatar": png((9, 9, 9))})
    with pytest.raises(ValidationError):  # the second picture is no image: the first goes too
        await change_profile(
            w.svc, "alice", members.ProfileChanges(), {"avatar": png(), "header": b"not one"}
        )
    assert on_disk(w) == {kept}
