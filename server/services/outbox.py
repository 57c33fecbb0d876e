"""Sending: an activity is stored and its deliveries queued in the caller's transaction.

Whatever caused the activity (a post, a follow, a like) is written in the same
transaction, so either both happen or neither does; the delivery worker picks
the rows up after the commit. Each distinct inbox gets one delivery: a shared
inbox stands for all the followers behind it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from federation.delivery import inbox_targets
from federation.vocab import get_id, is_public
from server.services.context import Services
from server.store import graph as graph_q
from server.store import queues as q
from server.store.accounts import AccountRow


@dataclass(frozen=True, slots=True)
class Recipients:
    """Who must receive an activity: the sender's followers and/or some accounts."""

    followers: bool = False
    accounts: Sequence[AccountRow] = field(default_factory=tuple)


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


async def _targets(
    svc: Services, conn: AsyncConnection, sender: AccountRow, to: Recipients
) -> list[str]:
    pairs: list[tuple[str | None, str | None]] = []
    if to.followers:
        pairs += await graph_q.follower_inboxes(conn, sender.id)
    pairs += [(a.inbox_url, a.shared_inbox_url) for a in to.accounts if not a.is_local]
    targets = inbox_targets(pairs)
    blocked = await svc.domains.blocked({_host(t) for t in targets})
    return [t for t in targets if _host(t) not in blocked]


async def send(
    svc: Services,
    conn: AsyncConnection,
    sender: AccountRow,
    doc: dict[str, Any],
    to: Recipients,
) -> int:
    """Store ``doc`` as sent by ``sender`` and queue its deliveries; returns their number."""
    now = svc.now()
    activity_id = svc.db.new_id()
    obj = doc.get("object")
    await q.insert_activity(
        conn,
        {
            "id": activity_id,
            "uri": doc["id"],
            "account_id": sender.id,
            "type": doc["type"],
            # A Flag names several objects: the first (the account) stands for them.
            "object_uri": get_id(obj[0] if isinstance(obj, list) and obj else obj),
            "public": is_public(doc.get("to")) or is_public(doc.get("cc")),
            "payload": json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
            "created_at": now,
        },
    )
    targets = await _targets(svc, conn, sender, to)
    rows = [(svc.db.new_id(), url, _host(url)) for url in targets]
    await q.insert_deliveries(conn, activity_id, rows, now)
    return len(rows)


def remote_only(accounts: Iterable[AccountRow | None]) -> list[AccountRow]:
    return [a for a in accounts if a is not None and not a.is_local]
