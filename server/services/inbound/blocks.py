"""Incoming Block and Undo(Block): a remote account blocks one of our members.

The block is stored as a block row (the blocker as ``account_id``), so the
member's timelines, streams and relationships treat it as any block; the
follows both ways and a connection end without anything sent back, and
nobody is notified. A Block of someone who is not our member is ignored, and
so is a Block with a ``target`` (Lemmy's ban from a community).
The door (``checks.undo_block``) let an Undo naming a stored block through
only from that block's actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from federation.vocab import get_id
from server.services import blocks
from server.services.context import Services
from server.store import accounts as accounts_q
from server.store import connections as q


async def on_block(svc: Services, doc: dict[str, Any], actor: str) -> None:
    username = svc.urls.local_username(get_id(doc.get("object")) or "")
    block_uri = get_id(doc.get("id"))
    if username is None or block_uri is None:
        return
    if doc.get("target") is not None:
        # Lemmy's ban from a community (Block with ``target``: the community, by a
        # moderator): not the moderator blocking our member, so nothing personal
        # ends. The community's own Reject or Undo of the Follow is what we act on.
        return
    blocker = await svc.remote.fetch_actor(actor)
    async with svc.db.transaction() as conn:
        member = await accounts_q.get_local_account(conn, username)
        if member is None or blocker.is_local:
            return
        if not await q.insert_block(conn, blocker.id, member.id, svc.now(), block_uri):
            return
        await blocks.sever(svc, conn, blocker, member, federate=False)
    await svc.stream.reload(svc.db, [member.id, blocker.id])


async def on_undo(svc: Services, doc: dict[str, Any], actor: str) -> bool:
    """Undo(Block): True when it named a block (then it is handled)."""
    obj = doc.get("object")
    named = get_id(obj) or ""
    async with svc.db.transaction() as conn:
        blocker = await accounts_q.get_account_by_uri(conn, actor)
        if blocker is None:
            return False
        row = await q.get_block_by_uri(conn, named) if named else None
        if row is None and isinstance(obj, Mapping) and obj.get("type") == "Block":
            # A Block we never stored by that id: the pair it names, the signer's own.
            username = svc.urls.local_username(get_id(obj.get("object")) or "")
            member = await accounts_q.get_local_account(conn, username) if username else None
            row = await q.get_block(conn, blocker.id, member.id) if member else None
        if row is None or row.account_id != blocker.id:
            return False
        await q.delete_block(conn, row.account_id, row.target_account_id)
    await svc.stream.reload(svc.db, [row.account_id, row.target_account_id])
    return True
