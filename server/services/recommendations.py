"""Recommendations: a member writes a few words about a connection, who approves
them before they appear on their profile.

Towards a remote Warmline member: ``Recommend`` (from the author), answered by
``Accept`` (approve) or ``Reject`` (decline) from the recipient, and ``Undo``
when the author withdraws it — at any time, which also takes an approved one
off the profile.
"""

from __future__ import annotations

import unicodedata

from federation import relations
from server.services.context import Services
from server.services.endorsements import check_pair
from server.services.errors import Conflict, NotFound, ValidationError
from server.services.notify import notify
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import endorsements as q
from server.store.accounts import AccountRow
from server.store.endorsements import (
    APPROVED,
    DECLINED,
    PENDING,
    STATES,
    WITHDRAWN,
    RecommendationRow,
)
from server.store.statuses import Page

TEXT_MAX = 3000


def clean_text(text: str) -> str:
    """The recommendation as stored: plain text, 1 to TEXT_MAX characters."""
    text = text.strip()
    if not text:
        raise ValidationError("text is required", field="text")
    if len(text) > TEXT_MAX:
        raise ValidationError(f"text must be at most {TEXT_MAX} characters", field="text")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise ValidationError("text must not contain control characters", field="text")
    return text


async def recommend(
    svc: Services, author: AccountRow, target: AccountRow, text: str
) -> RecommendationRow:
    """Write a recommendation; it waits for the recipient's approval."""
    text = clean_text(text)
    async with svc.db.transaction() as conn:
        await check_pair(svc, conn, author, target, "recommend")
        if (existing := await q.open_recommendation(conn, author.id, target.id)) is not None:
            raise Conflict(
                f"you already have a {existing.state} recommendation for this member "
                f"(id {existing.id}); withdraw it first"
            )
        rec_id, now = svc.db.new_id(), svc.now()
        uri = svc.urls.activity(author.username, "recommendations", rec_id)
        values = {
            "id": rec_id,
            "uri": uri,
            "account_id": author.id,
            "target_account_id": target.id,
            "text": text,
            "state": PENDING,
            "created_at": now,
            "updated_at": now,
        }
        await q.insert_recommendation(conn, values)
        if target.is_local:
            await notify(
                svc, conn, target.id, "warmline.recommendation", author.id, subject_id=rec_id
            )
        else:
            doc = relations.recommend(uri, svc.urls.actor(author.username), target.uri or "", text)
            await send(svc, conn, author, doc, Recipients(accounts=[target]))
        row = await q.get_recommendation(conn, rec_id)
    svc.wake.deliveries.set()
    assert row is not None
    return row


async def answer(
    svc: Services, recipient: AccountRow, rec_id: int, *, approve: bool
) -> RecommendationRow:
    """The recipient approves (shows it on their profile) or declines a pending one."""
    wanted = APPROVED if approve else DECLINED
    async with svc.db.transaction() as conn:
        row = await q.get_recommendation(conn, rec_id)
        if row is None or row.target_account_id != recipient.id:
            raise NotFound("Recommendation not found")
        if row.state == wanted:
            return row
        if row.state != PENDING:
            raise Conflict(f"this recommendation is {row.state}: it can no longer be answered")
        await q.set_recommendation_state(conn, row.id, wanted, svc.now())
        author = await accounts_q.get_account(conn, row.account_id)
        assert author is not None
        if author.is_local and approve:
            await notify(
                svc,
                conn,
                author.id,
                "warmline.recommendation_approved",
                recipient.id,
                subject_id=row.id,
            )
        elif not author.is_local and author.uri:
            kind = "Accept" if approve else "Reject"
            answer_id = svc.urls.activity(
                recipient.username, "approvals" if approve else "declines", row.id
            )
            actor = svc.urls.actor(recipient.username)
            doc = relations.answer(kind, answer_id, actor, row.uri, to=[author.uri])
            await send(svc, conn, recipient, doc, Recipients(accounts=[author]))
        row = await q.get_recommendation(conn, row.id)
    svc.wake.deliveries.set()
    assert row is not None
    return row


async def withdraw(svc: Services, author: AccountRow, rec_id: int) -> RecommendationRow:
    """The author takes their recommendation back, whatever its state."""
    async with svc.db.transaction() as conn:
        row = await q.get_recommendation(conn, rec_id)
        if row is None or row.account_id != author.id:
            raise NotFound("Recommendation not found")
        if row.state == WITHDRAWN:
            return row
        await q.set_recommendation_state(conn, row.id, WITHDRAWN, svc.now())
        target = await accounts_q.get_account(conn, row.target_account_id)
        if target is not None and not target.is_local and target.uri:
            undo_id = svc.urls.activity(author.username, "undos", row.id)
            actor = svc.urls.actor(author.username)
            doc = relations.undo_by_id(undo_id, actor, row.uri, to=[target.uri])
            await send(svc, conn, author, doc, Recipients(accounts=[target]))
        row = await q.get_recommendation(conn, row.id)
    svc.wake.deliveries.set()
    assert row is not None
    return row


async def mine(
    svc: Services, me: AccountRow, page: Page, *, direction: str, state: str | None
) -> list[RecommendationRow]:
    """The member's own list: received (pending ones included) or given."""
    if direction not in ("received", "given"):
        raise ValidationError("direction must be received or given", field="direction")
    if state is not None and state not in STATES:
        raise ValidationError(f"state must be one of {', '.join(STATES)}", field="state")
    async with svc.db.read() as conn:
        return await q.list_recommendations(
            conn,
            me.id,
            page,
            received=direction == "received",
            states=[state] if state else STATES,
        )


async def shown_on_profile(
    svc: Services, account: AccountRow, page: Page
) -> list[RecommendationRow]:
    """What everyone may see: the recommendations the account approved."""
    async with svc.db.read() as conn:
        return await q.list_recommendations(
            conn, account.id, page, received=True, states=[APPROVED]
        )


async def open_for(
    svc: Services, author: AccountRow, target: AccountRow
) -> RecommendationRow | None:
    """``author``'s recommendation of ``target`` that is waiting or shown, if any."""
    async with svc.db.read() as conn:
        return await q.open_recommendation(conn, author.id, target.id)


async def approved_count(svc: Services, account: AccountRow) -> int:
    async with svc.db.read() as conn:
        return await q.count_approved(conn, account.id)
