"""Writing one member's archive into a ZIP file, a page at a time.

What is in it (``README.txt`` inside says the same):

- ``actor.json``, ``outbox.json``, ``likes.json``, ``bookmarks.json``, the
  avatar and header, and ``media_attachments/files/...``: as in Mastodon's
  archive, so tools made for that read this one (the posts' attachment URLs
  point into the archive);
- ``warmline/profile.json``, ``connections.json``, ``endorsements.json``,
  ``recommendations.json`` and ``linkedin_contacts.json``: the professional
  network, as JSON;
- ``linkedin/*.csv``: the profile and network as LinkedIn's own export files;
- ``following_accounts.csv`` and the other lists as Mastodon exports them.

Memory stays flat whatever the account's size: posts are read, rendered and
written 200 at a time, media files are copied in chunks, and each page reads
on its own short connection (no transaction is held for the whole build).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from federation.jsonld import WARMLINE_OUTPUT_CONTEXT
from server.services import csv_exchange, media, objects
from server.services.archive import documents, linkedin_csv
from server.services.archive.zipwriter import ArchiveZip, dumps
from server.services.context import Services
from server.store import accounts as accounts_q
from server.store import archives as q
from server.store import linkedin as linkedin_q
from server.store import personal as personal_q
from server.store.accounts import AccountRow
from server.store.statuses import Page

POSTS_PAGE = 200
MEDIA_PAGE = 200
MEDIA_FOLDER = "media_attachments/files/"
FIXED_PARTS = 8  # likes, bookmarks, pictures, actor, network JSON, CSV files, lists, readme

Progress = Callable[[int, int], Awaitable[None]]


@dataclass
class _Count:
    done: int
    total: int
    report: Progress | None

    async def add(self, n: int) -> None:
        self.done += n
        if self.report is not None:
            await self.report(min(self.done, self.total), self.total)


class _Builder:
    def __init__(self, svc: Services, account: AccountRow, zipped: ArchiveZip, count: _Count):
        self.svc, self.account, self.zip, self.count = svc, account, zipped, count
        self.media_prefix = svc.urls.media("")

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    async def _collection(self, name: str, items_json: Callable[[], Any]) -> int:
        """An OrderedCollection written as its items come (``items_json`` yields
        pages of encoded items); its size goes last, once known."""
        head = {"@context": WARMLINE_OUTPUT_CONTEXT, "id": name, "type": "OrderedCollection"}
        await self._run(self.zip.begin, name)
        await self._run(self.zip.write, dumps(head)[:-1] + b',"orderedItems":[')
        total = 0
        async for encoded in items_json():
            if not encoded:
                continue
            prefix = b"," if total else b""
            await self._run(self.zip.write, prefix + b",".join(encoded))
            total += len(encoded)
        await self._run(self.zip.write, b'],"totalItems":%d}' % total)
        await self._run(self.zip.end)
        return total

    def _local_attachments(self, doc: dict[str, Any]) -> None:
        """Attachment URLs of a post point at the file inside the archive."""
        note = doc.get("object")
        attachments = note.get("attachment") if isinstance(note, dict) else None
        for item in attachments if isinstance(attachments, list) else []:
            url = item.get("url") if isinstance(item, dict) else None
            if isinstance(url, str) and url.startswith(self.media_prefix):
                item["url"] = MEDIA_FOLDER + url[len(self.media_prefix) :]

    async def _outbox_pages(self) -> Any:
        before: int | None = None
        while True:
            async with self.svc.db.read() as conn:
                found = await q.statuses_before(conn, self.account.id, before, POSTS_PAGE)
                docs = await objects.activity_documents(self.svc, conn, found, self.account)
            encoded = []
            for doc in docs:
                if doc is None:
                    continue
                doc.pop("@context", None)
                self._local_attachments(doc)
                encoded.append(dumps(doc))
            yield encoded
            await self.count.add(len(found))
            if len(found) < POSTS_PAGE:
                return
            before = found[-1].id

    async def _liked_pages(self) -> Any:
        after: int | None = None
        while True:
            async with self.svc.db.read() as conn:
                found = await q.favourites_after(conn, self.account.id, after, POSTS_PAGE)
            yield [
                dumps(csv_exchange.status_address(self.svc, status, author))
                for _, status, author in found
            ]
            if len(found) < POSTS_PAGE:
                return
            after = found[-1][0]

    async def _bookmark_pages(self) -> Any:
        cursor: int | None = None
        while True:
            async with self.svc.db.read() as conn:
                rows = await personal_q.list_bookmarks(
                    conn, self.account.id, Page(limit=POSTS_PAGE, max_id=cursor)
                )
                authors = await accounts_q.get_accounts(
                    conn, list({s.account_id for _, s in rows if s.local})
                )
            uris = [
                csv_exchange.status_address(self.svc, s, authors.get(s.account_id)) for _, s in rows
            ]
            yield [dumps(u) for u in uris if u]
            if len(rows) < POSTS_PAGE:
                return
            cursor = rows[-1][0]

    async def media_files(self) -> None:
        folder = media.files(self.svc)
        after: int | None = None
        while True:
            async with self.svc.db.read() as conn:
                found = await q.media_after(conn, self.account.id, after, MEDIA_PAGE)
            paths = [(MEDIA_FOLDER + name, folder.path(name)) for _, name in found]
            await self._run(self._copy, [(n, p) for n, p in paths if p is not None])
            await self.count.add(len(found))
            if len(found) < MEDIA_PAGE:
                return
            after = found[-1][0]

    def _copy(self, files: list[tuple[str, Path]]) -> None:
        for name, path in files:
            self.zip.add_file(name, path)

    async def activity_streams(self) -> None:
        await self._collection("outbox.json", self._outbox_pages)
        await self._collection("likes.json", self._liked_pages)
        await self.count.add(1)
        await self._collection("bookmarks.json", self._bookmark_pages)
        await self.count.add(1)
        folder = media.files(self.svc)
        for kind, path in ((documents.AVATAR, self.account.avatar_url),
                           (documents.HEADER, self.account.header_url)):  # fmt: skip
            name = documents.picture_name(kind, path)
            found = folder.path(path.removeprefix("/media/")) if name and path else None
            if name and found is not None:
                await self._run(self.zip.add_file, name, found)
        await self.count.add(1)
        actor = await documents.actor(self.svc, self.account)
        await self._run(self.zip.add, "actor.json", dumps(actor))
        await self.count.add(1)

    async def network(self) -> None:
        svc, account = self.svc, self.account
        async with svc.db.read() as conn:
            connected = await documents.all_connections(conn, account)
            parts = {
                "profile": await documents.profile(svc, conn, account),
                "connections": documents.connections(svc, connected),
                "endorsements": await documents.endorsements(svc, conn, account),
                "recommendations": await documents.recommendations(svc, conn, account),
                "linkedin_contacts": await documents.linkedin_contacts(conn, account),
            }
            extras = await linkedin_q.get_extras(conn, account.id)
            received = await q.recommendations_with(conn, account.id, received=True)
        for name, doc in parts.items():
            await self._run(self.zip.add, f"warmline/{name}.json", dumps(doc))
        await self.count.add(1)
        files = linkedin_csv.profile_files(account, extras)
        people = [(c.peer, c.created_at) for c in connected]
        files[f"{linkedin_csv.FOLDER}/Connections.csv"] = linkedin_csv.connections_file(svc, people)
        files[f"{linkedin_csv.FOLDER}/Recommendations_Received.csv"] = (
            linkedin_csv.recommendations_file(received)
        )
        for name, data in files.items():
            await self._run(self.zip.add, name, data)
        await self.count.add(1)
        for kind in csv_exchange.EXPORTS:
            text = await csv_exchange.export_csv(svc, account, kind)
            await self._run(self.zip.add, csv_exchange.FILENAMES[kind], text.encode())
        await self.count.add(1)
        await self._run(self.zip.add, "README.txt", README.encode())
        await self.count.add(1)


async def build(
    svc: Services, account: AccountRow, path: Path, progress: Progress | None = None
) -> int:
    """Write ``account``'s archive to ``path`` (replaced if there); its size in bytes."""
    async with svc.db.read() as conn:
        total = (
            await q.count_statuses(conn, account.id)
            + await q.count_media(conn, account.id)
            + FIXED_PARTS
        )
    count = _Count(0, total, progress)
    await count.add(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    zipped = await asyncio.to_thread(ArchiveZip, path)
    try:
        builder = _Builder(svc, account, zipped, count)
        await builder.activity_streams()
        await builder.media_files()
        await builder.network()
    finally:
        await asyncio.to_thread(zipped.close)
    return (await asyncio.to_thread(path.stat)).st_size


README = """\
This is an archive of a Warmline account: everything its member has there.

actor.json          the account as ActivityPub publishes it (as in Mastodon's archive)
outbox.json         every post and boost, newest first, as ActivityPub activities;
                    attachments point into media_attachments/files/
likes.json          the posts the member liked (their ActivityPub ids)
bookmarks.json      the posts the member bookmarked
avatar.*, header.*  the profile pictures
media_attachments/  the files attached to the member's posts

warmline/profile.json          the professional profile: headline, experience, education,
                               skills, languages, certifications, links
warmline/connections.json      the people the member is connected with ("uri": their account)
warmline/endorsements.json     skills endorsed, received and given
warmline/recommendations.json  recommendations received and written, and those a LinkedIn
                               import brought (not signed by their authors)
warmline/linkedin_contacts.json  the contacts a LinkedIn import brought (private)

linkedin/*.csv      the profile and network as the files of LinkedIn's data export, which
                    Warmline's "Import from LinkedIn" (and other sites) can read back
*.csv               following, followers, blocks, mutes and bookmarks as Mastodon's
                    "Import and export" files (any Mastodon or Warmline server imports them)
"""
