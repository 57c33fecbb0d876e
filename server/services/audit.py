"""The moderation log: every moderator action, written in the transaction that
does it (an action without its log line cannot happen, nor the reverse)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services.context import Services
from server.store import moderation_log as q
from server.store.accounts import AccountRow
from server.store.moderation_log import LogEntry

MAX_TEXT = 2000


async def record(
    svc: Services,
    conn: AsyncConnection,
    by: AccountRow | None,
    action: str,
    target: str,
    text: str = "",
) -> None:
    """Log ``action`` on ``target`` by ``by`` (None: the command line)."""
    await q.record(
        conn,
        {
            "id": svc.db.new_id(),
            "account_id": by.id if by is not None else None,
            "action": action,
            "target": target,
            "text": text[:MAX_TEXT],
            "created_at": svc.now(),
        },
    )


async def entries(svc: Services, *, limit: int = 100, max_id: int | None = None) -> list[LogEntry]:
    async with svc.db.read() as conn:
        return await q.entries(conn, limit=limit, max_id=max_id)
