"""Local statuses as ActivityStreams objects, and the ids of any status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from federation import events as fevents
from federation.vocab import AS_PUBLIC
from server.services import media
from server.services.context import Services
from server.store import accounts as accounts_q
from server.store import events as events_q
from server.store import media as media_q
from server.store import statuses as q
from server.store.accounts import AccountRow
from server.store.events import EventRow
from server.store.media import MediaRow
from server.store.statuses import StatusRow


def account_uri(svc: Services, account: AccountRow) -> str:
    return svc.urls.actor_for(account.username) if account.is_local else (account.uri or "")


def profile_url(svc: Services, account: AccountRow) -> str:
    """Where people read an account: our profile page, or the remote one."""
    if account.is_local:
        return svc.urls.profile(account.username)
    return account.url or account.uri or ""


def followers_uri(svc: Services, account: AccountRow) -> str:
    if account.is_local:
        return svc.urls.followers(account.username)
    return account.followers_url or f"{account.uri}/followers"


def status_uri(svc: Services, status: StatusRow, author: AccountRow) -> str:
    """A post's id; for a boost, the id of its Announce."""
    if status.local:
        uri = svc.urls.status(author.username, status.id)
        return f"{uri}/activity" if status.reblog_of_id else uri
    return status.uri or ""


def status_url(svc: Services, status: StatusRow, author: AccountRow) -> str:
    if status.local:
        return svc.urls.status_page(author.username, status.id)
    return status.url or status.uri or ""


def acct(svc: Services, account: AccountRow) -> str:
    """``user`` for local accounts, ``user@host`` for remote ones (Mastodon's acct)."""
    return account.username if account.is_local else f"{account.username}@{account.domain}"


async def mentioned(conn: AsyncConnection, status: StatusRow) -> list[AccountRow]:
    ids = (await q.mentioned_accounts(conn, [status.id]))[status.id]
    found = await accounts_q.get_accounts(conn, ids)
    return [found[i] for i in ids if i in found]


async def parent_uri(svc: Services, conn: AsyncConnection, status: StatusRow) -> str | None:
    return (await _Related.read(svc, conn, [status])).parents[status.id]


@dataclass(frozen=True, slots=True)
class _Related:
    """What the documents of some statuses need besides the rows: their mentions,
    hashtags, attachments and the ids of the posts they answer, in a few queries
    whatever their number (an outbox page, an archive's posts)."""

    people: dict[int, list[AccountRow]]
    tags: dict[int, list[str]]
    attached: dict[int, list[MediaRow]]
    parents: dict[int, str | None]

    @classmethod
    async def read(
        cls, svc: Services, conn: AsyncConnection, statuses: Sequence[StatusRow]
    ) -> _Related:
        ids = [s.id for s in statuses]
        mentioned_ids = await q.mentioned_accounts(conn, ids)
        parent_rows = await q.get_statuses(
            conn, [s.in_reply_to_id for s in statuses if s.in_reply_to_id is not None]
        )
        accounts = await accounts_q.get_accounts(
            conn,
            [i for found in mentioned_ids.values() for i in found]
            + [p.account_id for p in parent_rows.values()],
        )
        parents: dict[int, str | None] = {}
        for s in statuses:
            parent = parent_rows.get(s.in_reply_to_id) if s.in_reply_to_id else None
            parent_author = accounts.get(parent.account_id) if parent is not None else None
            parents[s.id] = (
                status_uri(svc, parent, parent_author)
                if parent is not None and parent_author is not None
                else s.in_reply_to_uri
            )
        return cls(
            people={
                i: [accounts[a] for a in found if a in accounts]
                for i, found in mentioned_ids.items()
            },
            tags=await q.status_tag_names(conn, ids),
            attached=await media_q.for_statuses(conn, ids),
            parents=parents,
        )


async def note_document(
    svc: Services, conn: AsyncConnection, status: StatusRow, author: AccountRow
) -> dict[str, Any]:
    """The Note (or Article, or Event) a local status is published as."""
    return await _note(svc, conn, status, author, await _Related.read(svc, conn, [status]))


async def _note(
    svc: Services, conn: AsyncConnection, status: StatusRow, author: AccountRow, related: _Related
) -> dict[str, Any]:
    people = related.people[status.id]
    to, cc = ap.addressing(
        status.visibility, followers_uri(svc, author), [account_uri(svc, a) for a in people]
    )
    info = ap.NoteInfo(
        id=status_uri(svc, status, author),
        type=status.object_type,
        attributed_to=account_uri(svc, author),
        content_html=status.content,
        url=status_url(svc, status, author),
        published=status.created_at,
        to=to,
        cc=cc,
        in_reply_to=related.parents[status.id],
        summary=status.spoiler_text or None,
        sensitive=status.sensitive,
        updated=status.edited_at,
        language=status.language,
        mentions=[
            (account_uri(svc, a), f"@{a.username}@{a.domain or svc.config.domain}") for a in people
        ],
        hashtags=[(svc.urls.tag(t), f"#{t}") for t in related.tags[status.id]],
        attachments=media.documents(svc, related.attached[status.id]),
    )
    doc = ap.note(info)
    in_groups = [account_uri(svc, a) for a in people if a.actor_type == "Group"]
    if in_groups:  # FEP-1b12: the group a post is in, as Lemmy and Mbin read it
        doc["audience"] = in_groups[0] if len(in_groups) == 1 else in_groups
    if status.object_type == "Event":
        event = await events_q.get_event(conn, status.id)
        if event is not None:
            doc = fevents.event(doc, event_info(event))
    return doc


def location_of(event: EventRow) -> fevents.Place | None:
    """Where an event is, or None when it says nothing of a place."""
    found = fevents.Place(
        event.place_name, event.street, event.locality, event.region, event.postal_code,
        event.country, event.latitude, event.longitude,
    )  # fmt: skip
    return found if found != fevents.Place() else None


def event_info(event: EventRow) -> fevents.EventInfo:
    """What an event adds to its post's document."""
    join_mode = "free"
    if event.audience == "invited":
        join_mode = "invite"
    elif event.approval_required:
        join_mode = "restricted"
    return fevents.EventInfo(
        name=event.title,
        start=event.starts_at,
        end=event.ends_at,
        timezone=event.timezone,
        place=location_of(event),
        online_url=event.online_url,
        join_mode=join_mode,
        capacity=event.capacity,
        participants=event.participants_count,
        cancelled=event.cancelled_at is not None,
    )


async def announce_document(
    svc: Services, conn: AsyncConnection, boost: StatusRow, booster: AccountRow
) -> dict[str, Any] | None:
    """The Announce a local boost was sent as (None if the boosted post is gone)."""
    original = await q.get_status(conn, boost.reblog_of_id) if boost.reblog_of_id else None
    author = await accounts_q.get_account(conn, original.account_id) if original else None
    if original is None or author is None:
        return None
    followers = followers_uri(svc, booster)
    author_uri = account_uri(svc, author)
    public = boost.visibility == "public"
    to, cc = ([AS_PUBLIC], [followers, author_uri]) if public else ([followers], [author_uri])
    return ap.announce(
        status_uri(svc, boost, booster),
        account_uri(svc, booster),
        status_uri(svc, original, author),
        to=to,
        cc=cc,
        published=boost.created_at,
    )


async def activity_document(
    svc: Services, conn: AsyncConnection, status: StatusRow, author: AccountRow
) -> dict[str, Any] | None:
    """A local status as the activity that published it: Create, or Announce for a boost."""
    return (await activity_documents(svc, conn, [status], author))[0]


async def activity_documents(
    svc: Services, conn: AsyncConnection, statuses: Sequence[StatusRow], author: AccountRow
) -> list[dict[str, Any] | None]:
    """``activity_document`` of each of ``author``'s ``statuses``, their related
    rows read once for all (None for a boost of a post that is gone)."""
    posts = [s for s in statuses if s.reblog_of_id is None]
    related = await _Related.read(svc, conn, posts)
    found: list[dict[str, Any] | None] = []
    for status in statuses:
        if status.reblog_of_id is not None:
            found.append(await announce_document(svc, conn, status, author))
        else:
            note = await _note(svc, conn, status, author, related)
            found.append(ap.create(note, f"{note['id']}/activity"))
    return found
