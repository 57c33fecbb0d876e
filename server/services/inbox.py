"""Accepting incoming activities: the checks that need our data, then durable storage.

The HTTP door has already capped, parsed, schema-checked, verified and
origin-checked the activity, and refused blocked hosts. Here: a step nobody asked for
(an Accept of a follow we never sent, an Undo of someone else's activity) is
refused; everything else is stored once (deduplicated by activity id) before
the door answers 202, and processed later by the inbox worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from federation.vocab import get_id
from server.services.context import Services
from server.services.errors import Forbidden
from server.services.inbound import checks as relation_checks
from server.services.inbound import endorsements as endorsement_checks
from server.services.inbound import events as event_checks
from server.store import accounts as accounts_q
from server.store import graph as graph_q
from server.store import interactions as interactions_q
from server.store import queues as q

# Each check looks for the answered/undone activity among one kind of thing we
# keep: None when it is not there, else it raises Forbidden unless ``actor``
# may take that step (the lists are at the end of this module).
StepCheck = Callable[[AsyncConnection, dict[str, Any], str, str], Awaitable[bool | None]]


async def _answer_to_follow(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, answered: str
) -> bool | None:
    """Accept/Reject of a follow: only one of our members sent to this actor."""
    follow = await graph_q.get_follow_by_uri(conn, answered)
    if follow is None:
        return None
    target = await accounts_q.get_account(conn, follow.target_account_id)
    if target is None or target.uri != actor:
        raise Forbidden(f"{doc.get('type')} refused: no follow of ours to {actor} has that id")
    return True


async def _undo_follow_or_like(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, undone: str
) -> bool | None:
    follow = await graph_q.get_follow_by_uri(conn, undone)
    like = None if follow else await interactions_q.get_favourite_by_uri(conn, undone)
    owner_id = follow.account_id if follow else like.account_id if like else None
    if owner_id is None:
        return None
    owner = await accounts_q.get_account(conn, owner_id)
    if owner is None or owner.uri != actor:
        raise Forbidden("an Undo may only undo the actor's own activity")
    return True


async def _check_step(conn: AsyncConnection, doc: dict[str, Any], actor: str) -> None:
    """Accept/Reject must answer something we sent to ``actor``; an Undo of
    something we know must be the actor's own."""
    kind = str(doc.get("type"))
    named = get_id(doc.get("object"))
    if kind == "Undo":
        if named:
            for check in UNDO_CHECKS:
                if await check(conn, doc, actor, named) is not None:
                    return
        return
    for check in ANSWER_CHECKS if named else ():
        if await check(conn, doc, actor, named) is not None:
            return
    raise Forbidden(f"{kind} refused: it answers nothing we sent to {actor}")


def activity_key(doc: dict[str, Any], body: bytes) -> str:
    """What dedupes an activity: its id, or a digest of the body when it has none."""
    return get_id(doc.get("id")) or "urn:sha256:" + hashlib.sha256(body).hexdigest()


class Blocked(Forbidden):
    """The sender's server is blocked (told apart for the metrics)."""


async def refuse_blocked(svc: Services, uris: list[str | None]) -> None:
    """Blocked (403) when any of ``uris`` (signing key, actor) is on a blocked host."""
    for host in {urlsplit(u).netloc.lower() for u in uris if u}:
        refusal = await svc.domains.refusal(host)
        if refusal is not None:
            raise Blocked(refusal)


async def receive(svc: Services, doc: dict[str, Any], body: bytes, actor: str) -> None:
    """Check an activity and store it durably (a redelivery is stored once).

    The door has refused blocked hosts already (before any fetch) and reduced
    ``type`` to the one type we dispatch on."""
    kind = str(doc.get("type"))
    if kind in ("Accept", "Reject", "Undo"):
        async with svc.db.read() as conn:
            await _check_step(conn, doc, actor)
    now = svc.now()
    await svc.inbox_writer.add(
        {
            "id": svc.db.new_id(),
            "activity_uri": activity_key(doc, body),
            "activity_type": kind[:32],
            "actor_uri": actor,
            # The body as it was signed: what we verified is what we keep.
            "payload": body.decode("utf-8"),
            "state": q.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "received_at": now,
        }
    )
    svc.wake.inbox.set()


ANSWER_CHECKS: tuple[StepCheck, ...] = (
    _answer_to_follow,
    relation_checks.answer_to_connect,
    relation_checks.answer_to_introduction,
    endorsement_checks.answer_to_recommendation,
    event_checks.answer_to_join,
)
UNDO_CHECKS: tuple[StepCheck, ...] = (
    _undo_follow_or_like,
    relation_checks.undo_connect,
    relation_checks.undo_introduction,
    relation_checks.undo_block,
    endorsement_checks.undo_own,
    event_checks.undo_of_join,
)
