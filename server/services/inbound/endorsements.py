"""Incoming Endorse and Recommend, their answers and their undoing.

Endorse and Recommend count only from a remote account connected to the local
member they name (anything else is ignored quietly) and are stored once per
activity id. ``Accept``/``Reject``/``Undo`` are shared with follows,
connections and introductions: ``on_accept``, ``on_reject`` and ``on_undo``
return True when the activity was about an endorsement or a recommendation.
The door checks at the end (``answer_to_recommendation``, ``undo_own``) make
sure only the party whose turn it is may take those steps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import relations
from federation.errors import FetchError
from federation.vocab import get_id
from server.services.context import Services
from server.services.endorsements import listed_skill
from server.services.errors import Forbidden
from server.services.notify import notify
from server.services.recommendations import TEXT_MAX
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import endorsements as q
from server.store.accounts import AccountRow
from server.store.endorsements import APPROVED, DECLINED, PENDING, WITHDRAWN


async def _local_peer(
    svc: Services, conn: AsyncConnection, sender: AccountRow, target_uri: str
) -> AccountRow | None:
    """The local member ``target_uri`` names, when connected to ``sender`` and no block stands."""
    username = svc.urls.local_username(target_uri)
    target = await accounts_q.get_local_account(conn, username) if username else None
    if target is None or target.actor_type != "Person":
        return None
    if not await connections_q.are_connected(conn, sender.id, target.id):
        return None
    if await connections_q.blocked_either_way(conn, sender.id, target.id):
        return None
    return target


async def _not_yet(
    svc: Services, conn: AsyncConnection, sender: AccountRow, target_uri: str
) -> None:
    """Retry later (a retryable FetchError) when the member named asked ``sender`` to
    connect and no answer was applied yet: what a member's server gives an account
    that moved (``move_carry``) follows its Accept, and may overtake it."""
    username = svc.urls.local_username(target_uri)
    target = await accounts_q.get_local_account(conn, username) if username else None
    if target is not None and await connections_q.pending_request(conn, target.id, sender.id):
        raise FetchError("the connection request to its sender is not answered yet",
                         retryable=True)  # fmt: skip


async def on_endorse(svc: Services, doc: dict[str, Any], actor: str) -> None:
    step = relations.read_step(doc)
    if step is None or step.type != relations.ENDORSE:
        return
    endorser = await svc.remote.fetch_actor(actor)
    async with svc.db.transaction() as conn:
        target = await _local_peer(svc, conn, endorser, step.object)
        if target is None:
            await _not_yet(svc, conn, endorser, step.object)
        skill = listed_skill(target.skills, step.skill) if target else None
        if target is None or skill is None:
            return
        if await q.get_endorsement_by_uri(conn, step.id) is not None:
            return
        row_id = svc.db.new_id()
        values = {
            "id": row_id,
            "uri": step.id,
            "account_id": endorser.id,
            "target_account_id": target.id,
            "skill": skill,
            "created_at": svc.now(),
        }
        if await q.insert_endorsement(conn, values):
            await notify(
                svc, conn, target.id, "warmline.endorsement", endorser.id, subject_id=row_id
            )


async def on_recommend(svc: Services, doc: dict[str, Any], actor: str) -> None:
    step = relations.read_step(doc)
    if step is None or step.type != relations.RECOMMEND or not step.text.strip():
        return
    author = await svc.remote.fetch_actor(actor)
    async with svc.db.transaction() as conn:
        target = await _local_peer(svc, conn, author, step.object)
        if target is None:
            await _not_yet(svc, conn, author, step.object)
        if target is None or await q.get_recommendation_by_uri(conn, step.id) is not None:
            return
        row_id, now = svc.db.new_id(), svc.now()
        values = {
            "id": row_id,
            "uri": step.id,
            "account_id": author.id,
            "target_account_id": target.id,
            "text": step.text.strip()[:TEXT_MAX],
            "state": PENDING,
            "created_at": now,
            "updated_at": now,
        }
        if await q.insert_recommendation(conn, values):
            await notify(
                svc, conn, target.id, "warmline.recommendation", author.id, subject_id=row_id
            )


async def _answer(svc: Services, doc: dict[str, Any], state: str) -> bool:
    """The recipient approved or declined a recommendation one of our members wrote."""
    async with svc.db.transaction() as conn:
        rec = await q.get_recommendation_by_uri(conn, get_id(doc.get("object")) or "")
        if rec is None:
            return False
        if rec.state == PENDING:
            await q.set_recommendation_state(conn, rec.id, state, svc.now())
            if state == APPROVED:
                await notify(
                    svc,
                    conn,
                    rec.account_id,
                    "warmline.recommendation_approved",
                    rec.target_account_id,
                    subject_id=rec.id,
                )
        return True


async def on_accept(svc: Services, doc: dict[str, Any], actor: str) -> bool:
    return await _answer(svc, doc, APPROVED)


async def on_reject(svc: Services, doc: dict[str, Any], actor: str) -> bool:
    return await _answer(svc, doc, DECLINED)


async def on_undo(svc: Services, doc: dict[str, Any], actor: str) -> bool:
    """The author takes back an endorsement or a recommendation (checked at the door)."""
    undone = get_id(doc.get("object")) or ""
    async with svc.db.transaction() as conn:
        endorsement = await q.get_endorsement_by_uri(conn, undone)
        if endorsement is not None:
            if await _remote_uri(conn, endorsement.account_id) == actor:
                await q.delete_endorsement(conn, endorsement.id)
            return True
        rec = await q.get_recommendation_by_uri(conn, undone)
        if rec is not None:
            if rec.state != WITHDRAWN and await _remote_uri(conn, rec.account_id) == actor:
                await q.set_recommendation_state(conn, rec.id, WITHDRAWN, svc.now())
            return True
    return False


# --- door checks (server/services/inbox.py ANSWER_CHECKS and UNDO_CHECKS) ---------------


async def _remote_uri(conn: AsyncConnection, account_id: int) -> str | None:
    account = await accounts_q.get_account(conn, account_id)
    return account.uri if account is not None and not account.is_local else None


async def answer_to_recommendation(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, answered: str
) -> bool | None:
    """Accept/Reject: only from the recipient of a pending recommendation we sent."""
    rec = await q.get_recommendation_by_uri(conn, answered)
    if rec is None:
        return None
    kind = doc.get("type")
    if await _remote_uri(conn, rec.target_account_id) != actor:
        raise Forbidden(f"{kind} refused: that recommendation was not sent to you")
    already = APPROVED if kind == "Accept" else DECLINED
    if rec.state not in (PENDING, already):  # a redelivered answer is harmless
        raise Forbidden(f"{kind} refused: that recommendation is {rec.state}")
    return True


async def undo_own(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, undone: str
) -> bool | None:
    """Undo of an endorsement or a recommendation: only by its author."""
    found = await q.get_endorsement_by_uri(conn, undone) or await q.get_recommendation_by_uri(
        conn, undone
    )
    if found is None:
        return None
    if await _remote_uri(conn, found.account_id) != actor:
        raise Forbidden("an Undo may only undo the actor's own endorsement or recommendation")
    return True
