"""Direct-message conversations, as Mastodon's ``/api/v1/conversations`` shows them.

A conversation is a thread of direct posts: replies join the conversation of
the post they answer. They are found when read, from the member's most recent
direct posts (the newest ``SCAN`` of them), so nothing extra is written when a
message is sent; per member, ``conversation_marks`` remembers how far they
read each one and up to where they removed it (a newer message brings it back).
"""

from __future__ import annotations

from dataclasses import dataclass

from server.services.context import Services
from server.services.errors import NotFound
from server.store import personal as q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.statuses import Page, StatusRow

SCAN = 400


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int  # the id of its first post we know
    last_status: StatusRow
    participants: list[int]  # account ids, the member excluded
    unread: bool


def _roots(found: list[StatusRow]) -> dict[int, int]:
    """Status id -> its thread's first post we know (or the post it answers, when
    that one is not among the member's direct posts)."""
    roots: dict[int, int] = {}
    for status in sorted(found, key=lambda s: s.id):  # parents come before replies
        parent = status.in_reply_to_id
        roots[status.id] = status.id if parent is None else roots.get(parent, parent)
    return roots


async def _all(svc: Services, me: AccountRow) -> list[Conversation]:
    async with svc.db.read() as conn:
        found = await q.direct_statuses(conn, me.id, SCAN, svc.now())
        mentioned = await statuses_q.mentioned_accounts(conn, [s.id for s in found])
        marks = await q.conversation_marks_of(conn, me.id)
    roots = _roots(found)
    threads: dict[int, list[StatusRow]] = {}
    for status in found:
        threads.setdefault(roots[status.id], []).append(status)
    out = []
    for root, posts in threads.items():
        last = max(posts, key=lambda s: s.id)
        read_up_to, hidden_up_to = marks.get(root, (0, 0))
        if last.id <= hidden_up_to:
            continue
        people = {s.account_id for s in posts} | {a for s in posts for a in mentioned[s.id]}
        people.discard(me.id)
        unread = last.account_id != me.id and last.id > read_up_to
        out.append(Conversation(root, last, sorted(people), unread))
    return sorted(out, key=lambda c: c.last_status.id, reverse=True)


async def conversations(svc: Services, me: AccountRow, page: Page) -> list[Conversation]:
    """Newest message first; paged on the last message's id, as Mastodon does."""
    found = await _all(svc, me)
    if page.max_id is not None:
        found = [c for c in found if c.last_status.id < page.max_id]
    if page.since_id is not None:
        found = [c for c in found if c.last_status.id > page.since_id]
    if page.min_id is not None:
        found = [c for c in found if c.last_status.id > page.min_id][-page.limit :]
        return found
    return found[: page.limit]


async def _one(svc: Services, me: AccountRow, conversation_id: int) -> Conversation:
    for conversation in await _all(svc, me):
        if conversation.id == conversation_id:
            return conversation
    raise NotFound("Record not found")


async def mark_read(svc: Services, me: AccountRow, conversation_id: int) -> Conversation:
    found = await _one(svc, me, conversation_id)
    async with svc.db.transaction() as conn:
        await q.mark_conversation(conn, me.id, found.id, read_up_to=found.last_status.id)
    return Conversation(found.id, found.last_status, found.participants, unread=False)


async def remove(svc: Services, me: AccountRow, conversation_id: int) -> None:
    """Hide the conversation until a newer message arrives (its posts stay)."""
    found = await _one(svc, me, conversation_id)
    async with svc.db.transaction() as conn:
        await q.mark_conversation(conn, me.id, found.id, hidden_up_to=found.last_status.id)
