"""Many incoming ``Create(Note)``s applied at once, in the caller's transaction.

What ``notes.store_note`` does for one post, done set-wise for a batch the
inbox worker claimed: the lookups (posts we have, members mentioned, parents,
local followers, blocks) are one query each for the whole batch, and the rows
(posts, counters, mentions, tags, home feeds, notifications) one ``executemany``
each, instead of ~17 statements per post. The outcome for every post is the
one ``store_note`` gives; the rare shapes that would need it to run in order
with the rest of the batch (an event, a post whose id repeats in the batch or
that replies to one in it, one without an id) are handed back, for the worker
to apply one by one afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation.vocab import has_type
from server.services import group_posts, media
from server.services.context import Services
from server.services.inbound.notes import NoteParts, parse_note
from server.services.stream import NotificationEvent, status_changed
from server.store import note_batch as q
from server.store.accounts import AccountRow, username_key
from server.store.database import after_commit
from server.store.interactions import NotificationRow
from server.store.statuses import STATUS_DEFAULTS, StatusRow


@dataclass(slots=True)
class Incoming:
    """One ``Create`` of the batch: whose it is (``key``), the object, its author,
    and the post read from it (None if it cannot be: applied on its own)."""

    key: Any
    obj: dict[str, Any]
    author: AccountRow
    parts: NoteParts | None


def incoming(svc: Services, key: Any, obj: dict[str, Any], author: AccountRow) -> Incoming:
    """Read the post before any transaction: sanitising its HTML is the costly part."""
    try:
        parts: NoteParts | None = parse_note(obj, author, svc.now())
    except Exception:  # applied on its own, which will say what is wrong with it
        parts = None
    return Incoming(key, obj, author, parts)


@dataclass(slots=True)
class _Post:
    """A post of the batch being stored."""

    item: Incoming
    status: StatusRow
    values: dict[str, Any]  # the row inserted
    mentioned: list[AccountRow]
    parent: StatusRow | None
    hashtags: list[str]


# --- the batch -------------------------------------------------------------------


def _deferred(items: Sequence[Incoming]) -> set[int]:
    """Positions to apply one by one after the batch (see the module docstring)."""
    out: set[int] = set()
    seen: set[str] = set()
    uris = {item.parts.values["uri"] for item in items if item.parts is not None}
    for i, item in enumerate(items):
        p = item.parts
        uri = p.values["uri"] if p is not None else None
        if (
            p is None
            or not uri
            or uri in seen
            or (p.parent_uri is not None and p.parent_uri in uris)
            or has_type(item.obj, "Event")
        ):
            out.add(i)
        if uri:
            seen.add(uri)
    return out


def split(items: Sequence[Incoming]) -> tuple[list[Incoming], list[Incoming]]:
    """The items ``store_notes`` can take together, and those to apply one by
    one after them (see the module docstring)."""
    later = _deferred(items)
    return (
        [item for i, item in enumerate(items) if i not in later],
        [item for i, item in enumerate(items) if i in later],
    )


async def store_notes(svc: Services, conn: AsyncConnection, items: Sequence[Incoming]) -> None:
    """Store the posts of ``items`` (the first list of ``split``) that someone
    here asked for, as ``store_note`` would, one after the other."""
    todo = [(item, item.parts) for item in items if item.parts is not None]
    if todo:
        await _store(svc, conn, todo)


async def _store(
    svc: Services, conn: AsyncConnection, todo: list[tuple[Incoming, NoteParts]]
) -> None:
    have = await q.existing_uris(conn, [p.values["uri"] for _, p in todo])
    todo = [(item, p) for item, p in todo if p.values["uri"] not in have]
    if not todo:
        return
    members = await _members_named(svc, conn, todo)
    parents = await _parents(svc, conn, todo)
    followers = await q.local_followers(conn, {item.author.id for item, _ in todo})
    stored: list[_Post] = []
    for item, p in todo:
        mentioned = _mentioned(svc, members, p)
        parent = _parent_of(svc, parents, p.parent_uri)
        if not (mentioned or (parent is not None and parent.local) or followers[item.author.id]):
            continue  # nobody here asked for it (store_note's _is_wanted)
        values = {
            **STATUS_DEFAULTS,
            **p.values,
            "id": svc.db.new_id(),
            "account_id": item.author.id,
            "local": False,
            "in_reply_to_id": parent.id if parent else None,
            "in_reply_to_uri": p.parent_uri,
            "in_reply_to_account_id": parent.account_id if parent else None,
        }
        status = StatusRow(**{name: values[name] for name in StatusRow.__slots__})
        stored.append(_Post(item, status, values, mentioned, parent, p.hashtags))
    if not stored:
        return
    await q.insert_statuses(conn, [post.values for post in stored])
    for post in stored:
        item = post.item
        await media.store_remote(
            svc, conn, post.status.id, item.obj, item.author.id, fresh=True,
            domain=item.author.domain,
        )  # fmt: skip
    await q.link_orphans(conn, (post.status for post in stored))
    mention_rows = [
        {"status_id": post.status.id, "account_id": a_id}
        for post in stored
        for a_id in dict.fromkeys(a.id for a in post.mentioned)
    ]
    await q.insert_mentions(conn, mention_rows)
    await _tag(svc, conn, [(post.status.id, post.hashtags) for post in stored])
    await _fan_out(svc, conn, stored, followers)
    for post in stored:
        await status_changed(svc.stream, conn, "update", post.status)
        if post.parent is not None or any(a.actor_type == "Group" for a in post.mentioned):
            await group_posts.redistribute(svc, conn, post.status, post.item.author, post.mentioned)
    # Rows other transactions (another worker's batch) may update too come
    # last, in id order: their locks are held for the least time, never crosswise.
    replies: dict[int, int] = defaultdict(int)
    for post in stored:
        if post.parent is not None:
            replies[post.parent.id] += 1
    await q.add_replies(conn, replies)
    await _count_posts(conn, [post.status for post in stored])


async def _members_named(
    svc: Services, conn: AsyncConnection, todo: list[tuple[Incoming, NoteParts]]
) -> dict[str, AccountRow]:
    """Our members named in the batch's tags and audiences, by username key."""
    keys = set()
    for _, p in todo:
        for uri in p.mention_uris + p.audience_uris:
            username = svc.urls.local_username(uri)
            if username:
                keys.add(username_key(username))
    if not keys:
        return {}
    return await q.local_accounts(conn, sorted(keys))


def _mentioned(svc: Services, members: dict[str, AccountRow], p: NoteParts) -> list[AccountRow]:
    found: dict[int, AccountRow] = {}
    for uri in dict.fromkeys(p.mention_uris + p.audience_uris):
        username = svc.urls.local_username(uri)
        account = members.get(username_key(username)) if username else None
        if account is not None:
            found.setdefault(account.id, account)
    return list(found.values())


async def _parents(
    svc: Services, conn: AsyncConnection, todo: list[tuple[Incoming, NoteParts]]
) -> dict[Any, StatusRow]:
    """The posts the batch replies to that we have: by id (ours) and by uri."""
    ids, uris = set(), set()
    for _, p in todo:
        if p.parent_uri:
            local_id = svc.urls.local_status_id(p.parent_uri)
            (ids.add(local_id) if local_id is not None else uris.add(p.parent_uri))
    if not ids and not uris:
        return {}
    out: dict[Any, StatusRow] = {}
    for status in await q.statuses_by(conn, sorted(ids), sorted(uris)):
        out[("id", status.id)] = status
        if status.uri:
            out[("uri", status.uri)] = status
    return out


def _parent_of(svc: Services, parents: dict[Any, StatusRow], uri: str | None) -> StatusRow | None:
    if not uri:
        return None
    local_id = svc.urls.local_status_id(uri)
    return parents.get(("id", local_id) if local_id is not None else ("uri", uri))


async def _count_posts(conn: AsyncConnection, posts: list[StatusRow]) -> None:
    """Each author's post counter and newest post time (as ``insert_status``)."""
    counts: dict[int, int] = defaultdict(int)
    newest: dict[int, Any] = {}
    for s in posts:
        if s.visibility == "direct":
            continue
        counts[s.account_id] += 1
        if s.account_id not in newest or newest[s.account_id] < s.created_at:
            newest[s.account_id] = s.created_at
    await q.count_posts(conn, counts, newest)


async def _tag(svc: Services, conn: AsyncConnection, wanted: list[tuple[int, list[str]]]) -> None:
    names = sorted({n.lower() for _, hashtags in wanted for n in hashtags})
    if not names:
        return
    found = await q.tag_ids(conn, names, svc.db.new_id)
    rows = [
        {"status_id": status_id, "tag_id": tag_id}
        for status_id, hashtags in wanted
        for tag_id in dict.fromkeys(found[n.lower()] for n in hashtags)
    ]
    await q.insert_status_tags(conn, rows)


async def _fan_out(
    svc: Services,
    conn: AsyncConnection,
    stored: list[_Post],
    followers: dict[int, list[int]],
) -> None:
    """Home feeds and mention notifications (``notes._fan_out`` and ``notify``)."""
    home, wanted = [], []
    for post in stored:
        item, status, mentioned, parent = post.item, post.status, post.mentioned, post.parent
        people = [a for a in mentioned if a.actor_type != "Group"]  # a group is posted to
        readers = (
            [a.id for a in people] if status.visibility == "direct" else followers[item.author.id]
        )
        home += [{"account_id": a, "status_id": status.id} for a in dict.fromkeys(readers)]
        told = [a.id for a in people]
        if parent is not None and parent.local and parent.account_id not in told:
            told.append(parent.account_id)
        wanted += [(member, item.author.id, status.id) for member in told
                   if member != item.author.id]  # fmt: skip
    await q.insert_home(conn, home)
    if not wanted:
        return
    silenced = await q.silenced(conn, {(m, a) for m, a, _ in wanted})
    now = svc.now()
    made = [
        NotificationRow(svc.db.new_id(), member, "mention", author, status_id, None, now)
        for member, author, status_id in wanted
        if (member, author) not in silenced
    ]
    if made:
        await q.insert_notifications(
            conn,
            [
                {"id": n.id, "account_id": n.account_id, "type": n.type,
                 "from_account_id": n.from_account_id, "status_id": n.status_id,
                 "subject_id": None, "created_at": n.created_at}
                for n in made
            ],
        )  # fmt: skip
        events = [NotificationEvent(n) for n in made]
        after_commit(conn, lambda: [svc.stream.emit(e) for e in events])  # one hook, not n
