"""Incoming connection and introduction steps, and Accept/Reject/Undo for everything.

The door has verified the signer and, for Accept/Reject/Undo, that it is
this signer's turn (server/services/inbound/checks.py). A handler re-reads
the row in its own transaction and changes nothing when the step no longer
applies (a duplicate, or a race with a local action).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import relations as wl
from federation.client import same_origin
from federation.vocab import get_id
from server.services import connections, move_carry
from server.services import introductions as intros
from server.services.context import Services
from server.services.inbound import blocks, follows, reactions
from server.services.inbound import events as inbound_events
from server.services.notify import notify
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import introductions as intro_q
from server.store.accounts import AccountRow
from server.store.connections import ACCEPTED, DECLINED, PENDING, WITHDRAWN, RequestRow
from server.store.introductions import DECLINED as INTRO_DECLINED
from server.store.introductions import FORWARDED, REQUESTED


async def _account(svc: Services, uri: str) -> AccountRow | None:
    """Ours by username, or a remote actor (fetched when not known)."""
    username = svc.urls.local_username(uri)
    if username is not None:
        async with svc.db.read() as conn:
            return await accounts_q.get_local_account(conn, username)
    return await svc.remote.fetch_actor(uri)


async def _speaker(svc: Services, actor: str) -> AccountRow:
    """The sender, marked as speaking Warmline's vocabulary (it just did)."""
    account = await svc.remote.fetch_actor(actor)
    if not account.warmline:
        async with svc.db.transaction() as conn:
            await accounts_q.update_account(conn, account.id, {"warmline": True})
            account = await accounts_q.get_account(conn, account.id) or account
    return account


# --- connections ------------------------------------------------------------------------


async def on_connect(svc: Services, doc: dict[str, Any], actor: str) -> None:
    step = wl.read_step(doc)
    username = svc.urls.local_username(step.object) if step else None
    if step is None or username is None:
        return
    requester = await _speaker(svc, actor)
    # Sent for an account that moved (``movedFrom``): checked, never believed.
    old = await move_carry.moved_old(svc, requester, step.moved_from) if step.moved_from else None
    async with svc.db.transaction() as conn:
        me = await accounts_q.get_local_account(conn, username)
        if me is None or me.actor_type != "Person":
            return
        if await connections_q.get_request_by_uri(conn, step.id) is not None:
            return
        if old is not None and await move_carry.accept_moved(
            svc, conn, me, requester, old, uri=step.id
        ):
            pass  # connected at once, as with the old account
        elif await connections_q.blocked_either_way(
            conn, me.id, requester.id
        ) or await connections.over_daily_limit(svc, conn, requester):
            await connections.refuse_request(svc, conn, me, requester, step.id)
        else:
            await _store_request(svc, conn, step, me, requester)
    svc.wake.deliveries.set()


async def _store_request(
    svc: Services, conn: AsyncConnection, step: wl.Step, me: AccountRow, requester: AccountRow
) -> None:
    """A Connect to ``me``: pending, and ``me`` is told."""
    now = svc.now()
    request_id = svc.db.new_id()
    await connections_q.insert_request(
        conn,
        {
            "id": request_id,
            "account_id": requester.id,
            "target_account_id": me.id,
            "note": step.text[:500],
            "state": PENDING,
            "uri": step.id,
            "created_at": now,
            "updated_at": now,
        },
    )
    await notify(
        svc, conn, me.id, "warmline.connection_request", requester.id, subject_id=request_id
    )


async def on_disconnect(svc: Services, doc: dict[str, Any], actor: str) -> None:
    step = wl.read_step(doc)
    peer = await _account(svc, step.object) if step else None
    if peer is None or not peer.is_local:
        return
    async with svc.db.transaction() as conn:
        them = await accounts_q.get_account_by_uri(conn, actor)
        if them is not None and await connections_q.delete_connection(conn, them.id, peer.id):
            await connections.unfollow_each_other(svc, conn, peer, them)
    svc.wake.deliveries.set()


async def _answer_connect(svc: Services, doc: dict[str, Any], named: str) -> bool:
    async with svc.db.transaction() as conn:
        request = await connections_q.get_request_by_uri(conn, named)
        if request is None:
            return False
        if request.state == PENDING:
            accepted = doc.get("type") == "Accept"
            await connections_q.set_request_state(
                conn, request.id, ACCEPTED if accepted else DECLINED, svc.now()
            )
            if accepted:
                await _connect(svc, conn, request)
                await notify(
                    svc,
                    conn,
                    request.account_id,
                    "warmline.connection_accepted",
                    request.target_account_id,
                    subject_id=request.id,
                )
    svc.wake.deliveries.set()  # the follows the connection made
    return True


async def _connect(svc: Services, conn: AsyncConnection, request: RequestRow) -> None:
    found = await accounts_q.get_accounts(conn, [request.account_id, request.target_account_id])
    requester, target = found[request.account_id], found[request.target_account_id]
    await connections.connect(svc, conn, requester, target, request.note)


async def _undo_connect(svc: Services, named: str) -> bool:
    async with svc.db.transaction() as conn:
        request = await connections_q.get_request_by_uri(conn, named)
        if request is None:
            return False
        if request.state == PENDING:
            await connections_q.set_request_state(conn, request.id, WITHDRAWN, svc.now())
    return True


# --- introductions ---------------------------------------------------------------------


def _offered_expiry(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


async def on_request_introduction(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """A requester elsewhere asks one of our members to introduce them."""
    step = wl.read_step(doc)
    if step is None or step.introducer is None:
        return
    introducer = await _account(svc, step.introducer)
    if introducer is None or not introducer.is_local:
        return
    requester = await _speaker(svc, actor)
    target = await _account(svc, step.object)
    if target is None or target.id in (requester.id, introducer.id):
        return
    now = svc.now()
    async with svc.db.transaction() as conn:
        if await intro_q.get_by_uri(conn, step.id) is not None:
            return
        intro_id = svc.db.new_id()
        await intro_q.insert_introduction(
            conn,
            {
                "id": intro_id,
                "uri": step.id,
                "requester_id": requester.id,
                "introducer_id": introducer.id,
                "target_id": target.id,
                "reason": step.text[: intros.MAX_TEXT],
                "state": REQUESTED,
                "created_at": now,
                "updated_at": now,
                "expires_at": intros.expiry(svc, now, _offered_expiry(step.expires)),
            },
        )
        intro = await intro_q.get_introduction(conn, intro_id)
        assert intro is not None
        p = intros.Parties(requester, introducer, target)
        if await _may_introduce(conn, p) and not await _too_many(svc, conn, intro, now):
            await intros.after_request(svc, conn, intro, p)
        else:  # not connected to both, or a block: "not now", as a decline would say
            await intro_q.update_introduction(
                conn, intro.id, now, state=INTRO_DECLINED, declined_by="introducer"
            )
            await intros.after_decline(svc, conn, intro, p, by="introducer")
    svc.wake.deliveries.set()


async def _too_many(svc: Services, conn: Any, intro: Any, now: Any) -> bool:
    """The limits a member asking through the API meets, for a requester elsewhere:
    the daily number of requests, and one open request per target and introducer."""
    since = now - timedelta(days=1)
    limit = svc.config.network.introduction_daily_limit
    if await intro_q.count_requested_since(conn, intro.requester_id, since) > limit:
        return True  # this one is counted too
    return any(
        other.id != intro.id and other.introducer_id == intro.introducer_id and other.is_open(now)
        for other in await intro_q.requested_towards(conn, intro.requester_id, intro.target_id)
    )


async def _may_introduce(conn: Any, p: intros.Parties) -> bool:
    connected = await connections_q.are_connected(conn, p.introducer.id, p.requester.id)
    connected = connected and await connections_q.are_connected(conn, p.introducer.id, p.target.id)
    for a, b in ((p.requester, p.introducer), (p.requester, p.target), (p.introducer, p.target)):
        if await connections_q.blocked_either_way(conn, a.id, b.id):
            return False
    return connected


async def on_introduce(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """An introducer elsewhere introduces someone to one of our members."""
    step = wl.read_step(doc)
    if step is None or step.target is None or step.introduction is None:
        return
    target = await _account(svc, step.target)
    if target is None or not target.is_local:
        return
    introducer = await _speaker(svc, actor)
    requester = await _account(svc, step.object)
    if requester is None or requester.id in (target.id, introducer.id):
        return
    now = svc.now()
    async with svc.db.transaction() as conn:
        intro = await intro_q.get_by_uri(conn, step.introduction)
        if intro is not None and (intro.forward_uri is not None or intro.state != REQUESTED):
            return  # seen already
        if intro is not None and intro.introducer_id != introducer.id:
            return  # only the introducer who was asked may forward it
        if intro is None and (
            requester.is_local or not same_origin(step.introduction, requester.uri or "")
        ):
            return  # a request of ours we never issued, or one its requester's server did not
        values = {"state": FORWARDED, "note": step.text[: intros.MAX_TEXT]}
        values["forward_uri"] = step.id
        if intro is None:
            intro_id = svc.db.new_id()
            await intro_q.insert_introduction(
                conn,
                {
                    "id": intro_id,
                    "uri": step.introduction,
                    "requester_id": requester.id,
                    "introducer_id": introducer.id,
                    "target_id": target.id,
                    "reason": step.reason[: intros.MAX_TEXT],
                    "created_at": now,
                    "updated_at": now,
                    "expires_at": intros.expiry(svc, now, _offered_expiry(step.expires)),
                    **values,
                },
            )
        else:  # the requester is one of ours too
            intro_id = intro.id
            await intro_q.update_introduction(conn, intro_id, now, **values)
        intro = await intro_q.get_introduction(conn, intro_id)
        assert intro is not None
        p = intros.Parties(requester, introducer, target)
        allowed = target.accepts_introductions and await connections_q.are_connected(
            conn, target.id, introducer.id
        )
        if allowed and not await connections_q.blocked_either_way(conn, target.id, requester.id):
            await intros.after_forward(svc, conn, intro, p)
        else:
            await intro_q.update_introduction(
                conn, intro.id, now, state=INTRO_DECLINED, declined_by="target"
            )
            await intros.after_decline(svc, conn, intro, p, by="target")
    svc.wake.deliveries.set()


async def _answer_introduction(svc: Services, doc: dict[str, Any], actor: str, named: str) -> bool:
    async with svc.db.transaction() as conn:
        intro = await intro_q.get_by_uri(conn, named)
        if intro is None or intro.uri != named:
            return False
        if not intro.is_open(svc.now()):
            return True
        p = await intros.parties(conn, intro)
        by_target = not p.target.is_local and p.target.uri == actor
        if doc.get("type") == "Accept" and by_target:
            await intro_q.update_introduction(conn, intro.id, svc.now(), state="accepted")
            intro = await intro_q.get_introduction(conn, intro.id)
            assert intro is not None
            await intros.after_accept(svc, conn, intro, p)
        elif doc.get("type") == "Reject":
            by = "target" if by_target else "introducer"
            declined_by = by if p.introducer.is_local else None
            await intro_q.update_introduction(
                conn, intro.id, svc.now(), state=INTRO_DECLINED, declined_by=declined_by
            )
            await intros.after_decline(svc, conn, intro, p, by=by)
        else:
            return True
    svc.wake.deliveries.set()
    return True


async def _undo_introduction(svc: Services, named: str) -> bool:
    async with svc.db.transaction() as conn:
        intro = await intro_q.get_by_uri(conn, named)
        if intro is None:
            return False
        if intro.is_open(svc.now()):
            p = await intros.parties(conn, intro)
            await intro_q.update_introduction(conn, intro.id, svc.now(), state="withdrawn")
            await intros.after_withdraw(svc, conn, intro, p)
    svc.wake.deliveries.set()
    return True


# --- Accept, Reject and Undo: whatever they name ----------------------------------------


async def on_answer(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """Accept or Reject of a connection request, an introduction, or else a follow."""
    named = get_id(doc.get("object")) or ""
    if await _answer_connect(svc, doc, named):
        return
    if await _answer_introduction(svc, doc, actor, named):
        return
    if named and await inbound_events.on_answer(svc, doc, actor, named):
        return
    fallback = follows.on_accept if doc.get("type") == "Accept" else follows.on_reject
    await fallback(svc, doc, actor)


async def on_undo(svc: Services, doc: dict[str, Any], actor: str) -> None:
    named = get_id(doc.get("object")) or ""
    if named and await _undo_connect(svc, named):
        return
    if named and await _undo_introduction(svc, named):
        return
    if named and await inbound_events.undo_join(svc, named, actor):
        return
    if await blocks.on_undo(svc, doc, actor):
        return
    await reactions.on_undo(svc, doc, actor)
