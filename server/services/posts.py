"""Posting: create, edit and delete statuses, and who may see them.

Each change writes the status, its mentions, tags, home-feed entries,
notifications and the activity with its deliveries in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from federation.errors import FederationError
from server.services import groups, media, objects, text
from server.services.context import Services
from server.services.errors import NotFound, ValidationError
from server.services.notify import notify
from server.services.outbox import Recipients, send
from server.services.stream import status_changed
from server.store import accounts as accounts_q
from server.store import feeds as feeds_q
from server.store import graph as graph_q
from server.store import interactions as interactions_q
from server.store import media as media_q
from server.store import statuses as q
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow

log = logging.getLogger(__name__)

MAX_CHARS = 5000
VISIBILITIES = ap.VISIBILITIES


@dataclass(frozen=True, slots=True)
class Draft:
    """What a member wrote."""

    text: str
    visibility: str = "public"
    in_reply_to_id: int | None = None
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    media_ids: tuple[int, ...] = ()  # uploads to attach (on an edit: all it keeps)
    group_id: int | None = None  # a group to post in (as if its handle were mentioned)


def _check(draft: Draft) -> None:
    if not draft.text.strip() and not draft.media_ids:
        raise ValidationError("Validation failed: Text can't be blank", field="status")
    if len(draft.text) > MAX_CHARS:
        raise ValidationError(
            f"Validation failed: Text is longer than {MAX_CHARS} characters", field="status"
        )
    if draft.visibility not in VISIBILITIES:
        raise ValidationError(
            f"visibility must be one of {', '.join(VISIBILITIES)}", field="visibility"
        )
    if len(draft.spoiler_text) > 500:
        raise ValidationError("spoiler_text must be at most 500 characters", field="spoiler_text")
    if draft.language is not None and (
        len(draft.language) > 16 or not draft.language.replace("-", "").isalpha()
    ):
        raise ValidationError("language must be an ISO 639 code", field="language")


async def resolve_handles(
    svc: Services, handles: list[text.Handle]
) -> dict[tuple[str, str | None], AccountRow]:
    """Mentioned handles to accounts: local members directly, others by WebFinger.

    A handle that cannot be resolved is left out (it stays plain text)."""
    found: dict[tuple[str, str | None], AccountRow] = {}
    for handle in handles[:20]:
        host = handle.host.lower() if handle.host else None
        try:
            if host in (None, svc.config.domain, svc.config.host):
                async with svc.db.read() as conn:
                    account = await accounts_q.get_local_account(conn, handle.user)
            else:
                account = await svc.remote.resolve_handle(f"{handle.user}@{host}")
        except FederationError as exc:
            log.info("could not resolve @%s@%s: %s", handle.user, host, exc)
            continue
        if account is not None and account.actor_type != "Application":
            found[handle.key()] = account
    return found


def _rendered(svc: Services, draft: Draft, people: dict[tuple[str, str | None], AccountRow]) -> str:
    shown = {
        key: text.Resolved(objects.profile_url(svc, a), a.username, objects.acct(svc, a))
        for key, a in people.items()
    }
    return text.render(draft.text, shown, svc.urls.tag("{tag}"))


async def can_see(conn: AsyncConnection, viewer: AccountRow | None, status: StatusRow) -> bool:
    """Visibility as Mastodon defines it: followers-only needs an accepted follow,
    direct needs a mention; authors always see their own posts."""
    if status.deleted_at is not None:
        return False
    if status.visibility in ("public", "unlisted"):
        return True
    if viewer is None:
        return False
    if viewer.id == status.account_id:
        return True
    if viewer.id in (await q.mentioned_accounts(conn, [status.id]))[status.id]:
        return True
    if status.visibility == "private":
        follow = await graph_q.get_follow(conn, viewer.id, status.account_id)
        return follow is not None and follow.state == graph_q.ACCEPTED
    return False


async def viewable(svc: Services, viewer: AccountRow | None, status: StatusRow) -> bool:
    async with svc.db.read() as conn:
        return await can_see(conn, viewer, status)


async def visible_status(svc: Services, viewer: AccountRow | None, status_id: int) -> StatusRow:
    async with svc.db.read() as conn:
        status = await q.get_status(conn, status_id)
        if status is None or not await can_see(conn, viewer, status):
            raise NotFound("Record not found")
    return status


@dataclass(frozen=True, slots=True)
class Prepared:
    """A checked draft with everything looked up that needs a read or the network,
    ready to be written inside a transaction by ``write_status``."""

    draft: Draft
    people: dict[tuple[str, str | None], AccountRow]  # handles as rendered
    mentioned: list[AccountRow]  # who is addressed and notified, the author left out
    tag_names: list[str]
    parent: StatusRow | None = None


async def prepare_status(svc: Services, author: AccountRow, draft: Draft) -> Prepared:
    """Check a draft and resolve its mentions (WebFinger, perhaps): before the
    transaction, so no lookup holds the write lock."""
    _check(draft)
    await media.check_attachable(svc, author, draft.media_ids)
    parent = (
        await visible_status(svc, author, draft.in_reply_to_id) if draft.in_reply_to_id else None
    )
    handles, tag_names = text.parse(draft.text)
    people = await resolve_handles(svc, handles)
    mentioned = list({a.id: a for a in people.values() if a.id != author.id}.values())
    if draft.group_id is not None:
        if draft.visibility not in ("public", "unlisted"):
            raise ValidationError(
                "A post in a group is public or unlisted: the group shares it", field="group_id"
            )
        group = await groups.postable(svc, author, draft.group_id)
        if all(a.id != group.id for a in mentioned):
            mentioned.append(group)
    if parent is not None and parent.account_id != author.id:
        async with svc.db.read() as conn:
            parent_author = await accounts_q.get_account(conn, parent.account_id)
        if parent_author and all(a.id != parent_author.id for a in mentioned):
            mentioned.append(parent_author)
    if parent is not None:  # a reply in a group's thread is addressed to the group too
        for group in await groups.groups_of_post(svc, parent.id):
            if all(a.id != group.id for a in mentioned):
                mentioned.append(group)
    return Prepared(draft, people, mentioned, tag_names, parent)


def direct_message(svc: Services, recipients: list[AccountRow], words: str) -> Prepared:
    """A direct message to exactly ``recipients``, needing no lookup. Handles in
    ``words`` stay plain text: text another party wrote cannot add recipients."""
    people: dict[tuple[str, str | None], AccountRow] = {}
    for account in recipients:
        user, _, host = objects.acct(svc, account).partition("@")
        people[text.Handle(user, host or None).key()] = account
    handles = " ".join(f"@{objects.acct(svc, a)}" for a in recipients)
    draft = Draft(text=f"{handles} {words}".strip()[:MAX_CHARS], visibility="direct")
    _check(draft)
    return Prepared(draft, people, list(recipients), text.parse(draft.text)[1])


async def create_status(svc: Services, author: AccountRow, draft: Draft) -> StatusRow:
    prepared = await prepare_status(svc, author, draft)
    async with svc.db.transaction() as conn:
        status = await write_status(svc, conn, author, prepared)
    svc.wake.deliveries.set()
    return status


# Writes what a post of another object type adds (an event's row), after the
# status row and before its document is built and sent.
Extension = Callable[[AsyncConnection, StatusRow], Awaitable[None]]


async def write_status(
    svc: Services,
    conn: AsyncConnection,
    author: AccountRow,
    prepared: Prepared,
    *,
    object_type: str = "Note",
    extend: Extension | None = None,
) -> StatusRow:
    """Inside the caller's transaction: the post, its mentions, tags, feed entries,
    notifications and its Create with the deliveries. The caller wakes the
    delivery worker after the commit."""
    draft, parent, mentioned = prepared.draft, prepared.parent, prepared.mentioned
    status_id = svc.db.new_id()
    status = await q.insert_status(
        conn,
        {
            "id": status_id,
            "account_id": author.id,
            "local": True,
            "object_type": object_type,
            "in_reply_to_id": parent.id if parent else None,
            "in_reply_to_account_id": parent.account_id if parent else None,
            "content": _rendered(svc, draft, prepared.people),
            "source_text": draft.text,
            "spoiler_text": draft.spoiler_text.strip(),
            "sensitive": draft.sensitive or bool(draft.spoiler_text.strip()),
            "visibility": draft.visibility,
            "language": draft.language,
            "created_at": svc.now(),
        },
    )
    if extend is not None:
        await extend(conn, status)
    await q.set_mentions(conn, status_id, [a.id for a in mentioned], fresh=True)
    if draft.media_ids:
        await media.attach(conn, author, status_id, draft.media_ids)
    tag_ids = (await q.tag_ids(conn, prepared.tag_names, svc.db.new_id)).values()
    await q.set_tags(conn, status_id, tag_ids, fresh=True)
    if parent is not None:
        await q.adjust_count(conn, parent.id, "replies_count", 1)
    await _fan_out_locally(svc, conn, status, author, mentioned)
    await status_changed(svc.stream, conn, "update", status)
    note = await objects.note_document(svc, conn, status, author)
    doc = ap.create(note, f"{note['id']}/activity")
    await send(svc, conn, author, doc, _recipients(status, mentioned))
    from server.services.group_posts import redistribute  # it boosts: posts is below it

    await redistribute(svc, conn, status, author, mentioned)
    return status


def _recipients(status: StatusRow, mentioned: list[AccountRow]) -> Recipients:
    return Recipients(followers=status.visibility != "direct", accounts=mentioned)


async def _fan_out_locally(
    svc: Services,
    conn: AsyncConnection,
    status: StatusRow,
    author: AccountRow,
    mentioned: list[AccountRow],
) -> None:
    """Home feeds and notifications of local members."""
    readers = [author.id] if author.is_local else []
    local_mentioned = [a.id for a in mentioned if a.is_local and a.actor_type != "Group"]
    if status.visibility == "direct":
        readers += local_mentioned
    else:
        readers += await graph_q.local_follower_ids(conn, author.id)
    await feeds_q.add_to_home_feeds(conn, status.id, readers)
    for account_id in local_mentioned:
        await notify(svc, conn, account_id, "mention", author.id, status.id)


async def own_status(svc: Services, author: AccountRow, status_id: int, action: str) -> StatusRow:
    async with svc.db.read() as conn:
        status = await q.get_status(conn, status_id)
    if status is None or status.deleted_at is not None or status.account_id != author.id:
        raise NotFound("Record not found")
    if status.reblog_of_id is not None:
        raise ValidationError(f"a boost cannot be {action}; undo the boost instead")
    return status


async def edit_status(svc: Services, author: AccountRow, status_id: int, draft: Draft) -> StatusRow:
    """New text for a post; followers and mentioned accounts receive an Update."""
    status = await own_status(svc, author, status_id, "edited")
    _check(
        Draft(
            draft.text,
            status.visibility,
            None,
            draft.spoiler_text,
            draft.sensitive,
            draft.language,
            draft.media_ids,
        )
    )
    await media.check_attachable(svc, author, draft.media_ids, status.id)
    handles, tag_names = text.parse(draft.text)
    people = await resolve_handles(svc, handles)
    async with svc.db.transaction() as conn:
        before = await objects.mentioned(conn, status)
        now_mentioned = list(
            {a.id: a for a in [*before, *people.values()] if a.id != author.id}.values()
        )
        await q.update_status(
            conn,
            status.id,
            {
                "content": _rendered(svc, draft, people),
                "source_text": draft.text,
                "spoiler_text": draft.spoiler_text.strip(),
                "sensitive": draft.sensitive or bool(draft.spoiler_text.strip()),
                "language": draft.language if draft.language is not None else status.language,
                "edited_at": svc.now(),
            },
        )
        await q.set_mentions(conn, status.id, [a.id for a in now_mentioned])
        await media.attach(conn, author, status.id, draft.media_ids)
        await q.set_tags(
            conn, status.id, (await q.tag_ids(conn, tag_names, svc.db.new_id)).values()
        )
        edited = await q.get_status(conn, status.id)
        assert edited is not None
        await status_changed(svc.stream, conn, "status.update", edited)
        note = await objects.note_document(svc, conn, edited, author)
        to, cc = note["to"], note["cc"]
        stamp = int(svc.now().timestamp() * 1000)
        doc = ap.update(f"{note['id']}#updates/{stamp}", note["attributedTo"], note, to=to, cc=cc)
        await send(svc, conn, author, doc, _recipients(edited, now_mentioned))
        from server.services.group_posts import forward_update  # it boosts: posts is below it

        await forward_update(svc, conn, edited, doc)
    svc.wake.deliveries.set()
    return edited


async def delete_status(svc: Services, author: AccountRow, status_id: int) -> StatusRow:
    """Delete a post: it becomes a Tombstone (410) and a Delete goes out."""
    status = await own_status(svc, author, status_id, "deleted")
    async with svc.db.transaction() as conn:
        people = await objects.mentioned(conn, status)
        note = await objects.note_document(svc, conn, status, author)
        await mark_deleted(svc, conn, status)
        doc = ap.delete(
            f"{note['id']}#delete", note["attributedTo"], note["id"], to=note["to"], cc=note["cc"]
        )
        await send(svc, conn, author, doc, _recipients(status, people))
    svc.wake.deliveries.set()
    return status


async def delete_all_of(svc: Services, conn: AsyncConnection, account_id: int) -> None:
    """Mark every live post and boost of a deleted account deleted (no activity is
    sent: the Delete of the account stands for them all)."""
    found = await q.live_statuses_of(conn, account_id)
    # Boosts first: deleting a post also deletes its boosts, and a row read before
    # that would still look live, so its counts would be taken down twice.
    for status in sorted(found, key=lambda s: s.reblog_of_id is None):
        await mark_deleted(svc, conn, status)


async def mark_deleted(svc: Services, conn: AsyncConnection, status: StatusRow) -> None:
    """The local side of a deletion, shared by our own deletes and incoming ones."""
    await status_changed(svc.stream, conn, "delete", status)  # before the feed rows go
    await q.mark_status_deleted(conn, status, svc.now())
    await feeds_q.remove_from_home_feeds(conn, status.id)
    await interactions_q.delete_notifications_about(conn, status_id=status.id)
    await media_q.release_of_status(conn, status.id, svc.now())
    if status.in_reply_to_id is not None:
        await q.adjust_count(conn, status.in_reply_to_id, "replies_count", -1)
    if status.reblog_of_id is not None:
        await q.adjust_count(conn, status.reblog_of_id, "reblogs_count", -1)
    for boost in await q.live_reblogs_of(conn, status.id):  # they would show the deleted text
        await _group_takes_back(svc, conn, boost)
        await mark_deleted(svc, conn, boost)


async def _group_takes_back(svc: Services, conn: AsyncConnection, boost: StatusRow) -> None:
    """A post a group here redistributed is gone: the group takes its Announce back
    from its members' servers, which heard of the post from the group, not from
    its author (whose Delete goes to the author's own audience)."""
    if not boost.local:
        return
    group = await accounts_q.get_account(conn, boost.account_id)
    if group is None or group.actor_type != "Group":
        return
    announce = await objects.announce_document(svc, conn, boost, group)
    if announce is not None:
        undo = ap.undo(f"{announce['id']}/undo", announce["actor"], announce,
                       to=announce["to"], cc=announce["cc"])  # fmt: skip
        await send(svc, conn, group, undo, Recipients(followers=True))
