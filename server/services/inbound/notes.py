"""Incoming Create, Update and Delete: remote posts and remote accounts."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation.events import read_event
from federation.vocab import as_list, get_id, get_ids, get_str, has_type, is_public
from server.services import group_posts, media
from server.services.context import Services
from server.services.html import sanitize_html, strip_html
from server.services.inbound import events as remote_events
from server.services.notify import notify
from server.services.posts import delete_all_of, mark_deleted
from server.services.stream import status_changed
from server.store import accounts as accounts_q
from server.store import feeds as feeds_q
from server.store import graph as graph_q
from server.store import statuses as q
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow

log = logging.getLogger(__name__)

NOTE_TYPES = frozenset({"Note", "Article", "Page", "Question", "Event"})


def _time(value: Any, fallback: datetime) -> datetime:
    text = get_str(value)
    if not text:
        return fallback
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return fallback
    return moment if moment.tzinfo else fallback


def visibility_of(obj: dict[str, Any], author: AccountRow) -> str:
    """Mastodon's reading of addressing: Public in ``to`` is public, in ``cc``
    unlisted; the author's followers collection is followers-only; else direct."""
    if is_public(obj.get("to")):
        return "public"
    if is_public(obj.get("cc")):
        return "unlisted"
    followers = author.followers_url
    if followers and followers in get_ids(obj.get("to")) + get_ids(obj.get("cc")):
        return "private"
    return "direct"


@dataclass(frozen=True, slots=True)
class NoteParts:
    values: dict[str, Any]
    mention_uris: list[str]
    hashtags: list[str]
    parent_uri: str | None
    # Everyone named in ``to``/``cc`` but Public: a member named there and not
    # tagged is mentioned silently (as Mastodon's ``process_audience`` does).
    audience_uris: list[str] = field(default_factory=list)


def parse_note(obj: dict[str, Any], author: AccountRow, now: datetime) -> NoteParts:
    tags = [t for t in as_list(obj.get("tag")) if isinstance(t, dict)]
    language = (
        next(iter(obj["contentMap"]), None) if isinstance(obj.get("contentMap"), dict) else None
    )
    content = get_str(obj.get("content"))
    if content is None and isinstance(obj.get("contentMap"), dict) and obj["contentMap"]:
        content = get_str(next(iter(obj["contentMap"].values())))
    if has_type(obj, "Article", "Page") and get_str(obj.get("name")):
        title = strip_html(get_str(obj.get("name")) or "")
        content = f"<p><strong>{title}</strong></p>{content or ''}"
    object_type = "Article" if has_type(obj, "Article", "Page") else "Note"
    if has_type(obj, "Event") and read_event(obj) is not None:  # else shown as a post
        object_type = "Event"
        content = content or f"<p>{html.escape(strip_html(get_str(obj.get('name')) or ''))}</p>"
    values = {
        "uri": get_id(obj.get("id")),
        "url": get_id(obj.get("url")) or get_id(obj.get("id")),
        "object_type": object_type,
        "content": sanitize_html(content or "")[:100_000],
        "spoiler_text": strip_html(get_str(obj.get("summary")) or "")[:500],
        "sensitive": obj.get("sensitive") is True or bool(get_str(obj.get("summary"))),
        "visibility": visibility_of(obj, author),
        "language": language[:16] if isinstance(language, str) else None,
        "created_at": _time(obj.get("published"), now),
    }
    mentions = [get_id(t.get("href")) for t in tags if t.get("type") == "Mention"]
    hashtags = [
        (get_str(t.get("name")) or "").lstrip("#").lower()
        for t in tags
        if t.get("type") == "Hashtag"
    ]
    # FEP-1b12's ``audience`` names the group a post is in (Lemmy, Mbin).
    audience = get_ids(obj.get("to")) + get_ids(obj.get("cc")) + get_ids(obj.get("audience"))
    return NoteParts(
        values,
        [m for m in mentions if m],
        [h for h in hashtags if h][:20],
        get_id(obj.get("inReplyTo")),
        [a for a in dict.fromkeys(audience) if not is_public(a)],
    )


async def _local_mentions(
    svc: Services, conn: AsyncConnection, parts: NoteParts
) -> list[AccountRow]:
    """The members a post mentions: tagged, or only named in ``to``/``cc`` (a
    silent mention, as Pleroma, Misskey and others send direct messages). Only
    our actor ids count: our followers collections and anything else in the
    audience name no one in particular."""
    found: dict[int, AccountRow] = {}
    for uri in dict.fromkeys(parts.mention_uris + parts.audience_uris):
        username = svc.urls.local_username(uri)
        account = await accounts_q.get_local_account(conn, username) if username else None
        if account is not None:
            found.setdefault(account.id, account)
    return list(found.values())


async def _parent(svc: Services, conn: AsyncConnection, uri: str | None) -> StatusRow | None:
    if not uri:
        return None
    local_id = svc.urls.local_status_id(uri)
    if local_id is not None:
        return await q.get_status(conn, local_id)
    return await q.get_status_by_uri(conn, uri)


def _is_wanted(mentioned: list[AccountRow], parent: StatusRow | None, followers: list[int]) -> bool:
    """Only posts someone here asked for: followed authors, mentions, replies to us."""
    return bool(mentioned or (parent is not None and parent.local) or followers)


async def store_note(
    svc: Services, obj: dict[str, Any], author: AccountRow, *, force: bool = False
) -> StatusRow | None:
    """Store a remote Note/Article by ``author``; the existing row if we have it.

    ``force`` stores it even if nobody here follows or is mentioned (a boost
    of it is arriving)."""
    parts = parse_note(obj, author, svc.now())
    async with svc.db.transaction() as conn:
        existing = await q.get_status_by_uri(conn, parts.values["uri"])
        if existing is not None:
            return existing
        mentioned = await _local_mentions(svc, conn, parts)
        parent = await _parent(svc, conn, parts.parent_uri)
        followers = await graph_q.local_follower_ids(conn, author.id)
        if not force and not _is_wanted(mentioned, parent, followers):
            return None
        status_id = svc.db.new_id()
        status = await q.insert_status(
            conn,
            {
                **parts.values,
                "id": status_id,
                "account_id": author.id,
                "local": False,
                "in_reply_to_id": parent.id if parent else None,
                "in_reply_to_uri": parts.parent_uri,
                "in_reply_to_account_id": parent.account_id if parent else None,
            },
        )
        await media.store_remote(
            svc, conn, status_id, obj, author.id, fresh=True, domain=author.domain
        )
        if status.object_type == "Event":
            await remote_events.store_event_row(svc, conn, status, obj)
        await q.link_orphan_replies(conn, status)  # replies that came before their parent
        await q.set_mentions(conn, status_id, [a.id for a in mentioned], fresh=True)
        tag_ids = (await q.tag_ids(conn, parts.hashtags, svc.db.new_id)).values()
        await q.set_tags(conn, status_id, tag_ids, fresh=True)
        if parent is not None:
            await q.adjust_count(conn, parent.id, "replies_count", 1)
        await _fan_out(svc, conn, status, author, mentioned, parent, followers)
        await status_changed(svc.stream, conn, "update", status)
        await group_posts.redistribute(svc, conn, status, author, mentioned)
    return status


async def _fan_out(
    svc: Services,
    conn: AsyncConnection,
    status: StatusRow,
    author: AccountRow,
    mentioned: list[AccountRow],
    parent: StatusRow | None,
    followers: list[int],
) -> None:
    people = [a for a in mentioned if a.actor_type != "Group"]  # a group is posted to
    readers = [a.id for a in people] if status.visibility == "direct" else followers
    await feeds_q.add_to_home_feeds(conn, status.id, readers)
    notified = {a.id for a in people}
    for account in people:
        await notify(svc, conn, account.id, "mention", author.id, status.id)
    if parent is not None and parent.local and parent.account_id not in notified:
        await notify(svc, conn, parent.account_id, "mention", author.id, status.id)


async def on_create(svc: Services, doc: dict[str, Any], actor: str) -> None:
    obj = doc.get("object")
    if not has_type(obj, *NOTE_TYPES):
        return  # an IRI or a type we do not show
    author = await svc.remote.fetch_actor(actor)
    await store_note(svc, obj, author)


async def on_update(svc: Services, doc: dict[str, Any], actor: str) -> None:
    obj = doc.get("object")
    if not isinstance(obj, dict):
        return
    if get_id(obj.get("id")) == actor:  # a profile update: take it from the origin
        await svc.remote.fetch_actor(actor, refresh=True)
        return
    if not has_type(obj, *NOTE_TYPES):
        return
    await apply_update(svc, obj, await svc.remote.fetch_actor(actor), doc)


async def apply_update(
    svc: Services, obj: dict[str, Any], author: AccountRow, update: dict[str, Any]
) -> None:
    """A new version of ``author``'s post ``obj`` (verified as theirs): stored, and
    passed on by the groups here it is in (``update`` is the activity that said it)."""
    parts = parse_note(obj, author, svc.now())
    async with svc.db.transaction() as conn:
        status = await q.get_status_by_uri(conn, parts.values["uri"])
        if status is None or status.account_id != author.id or status.deleted_at is not None:
            return
        changed = {k: parts.values[k] for k in ("content", "spoiler_text", "sensitive", "language")}
        await q.update_status(
            conn, status.id, {**changed, "edited_at": _time(obj.get("updated"), svc.now())}
        )
        await q.set_tags(
            conn, status.id, (await q.tag_ids(conn, parts.hashtags, svc.db.new_id)).values()
        )
        await media.store_remote(svc, conn, status.id, obj, author.id, domain=author.domain)
        if status.object_type == "Event":
            await remote_events.store_event_row(svc, conn, status, obj)
        await status_changed(svc.stream, conn, "status.update", status)
        await group_posts.forward_update(svc, conn, status, update)


async def on_delete(svc: Services, doc: dict[str, Any], actor: str) -> None:
    target = get_id(doc.get("object"))
    if not target:
        return
    async with svc.db.transaction() as conn:
        if target == actor:
            await _delete_account(svc, conn, actor)
            return
        status = await q.get_status_by_uri(conn, target)
        author = await accounts_q.get_account_by_uri(conn, actor)
        if status is None or author is None or status.account_id != author.id or status.deleted_at:
            return
        await mark_deleted(svc, conn, status)


async def _delete_account(svc: Services, conn: AsyncConnection, actor: str) -> None:
    account = await accounts_q.get_account_by_uri(conn, actor)
    if account is None or account.is_local:
        return
    await accounts_q.update_account(conn, account.id, {"suspended_at": svc.now()})
    svc.remote.forget(actor)
    await graph_q.delete_follows_of(conn, account.id)
    await delete_all_of(svc, conn, account.id)
