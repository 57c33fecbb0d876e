"""Browser sessions: signing in on the web keeps a session row in the database.

The cookie holds a random token; only its SHA-256 is stored, so a copy of the
database signs nobody in. A session ends when its member signs out, ends it
from the settings page, changes their password (the others end), is
suspended, or has not used it for ``IDLE_DAYS``. Each session carries its own
anti-forgery token, which every form of the web interface must send back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from server.services.context import Services
from server.services.errors import NotFound
from server.services.timelines import UNSEEN_CAP
from server.store import websessions as q
from server.store.accounts import AccountRow
from server.store.websessions import SessionRow

IDLE_DAYS = 30
IDLE = timedelta(days=IDLE_DAYS)
# How often a session in use is written back (last seen, address): not on every page.
TOUCH_EVERY = timedelta(minutes=5)
USER_AGENT_MAX = 300
ADMIN = "admin"  # the role that sees the instance's administration (and its badge)


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: the session, its member and the member's role."""

    row: SessionRow
    account: AccountRow
    role: str
    notifications_seen_id: int
    # Notifications since then, counted with the session's lookup (at most
    # ``timelines.UNSEEN_CAP``); None once the seen mark has moved since.
    unseen: int | None = None
    # Sign-ups awaiting approval, counted with the lookup for an admin (else None).
    admin_waiting: int | None = None

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def csrf_token(self) -> str:
        return self.row.csrf_token

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(svc: Services, account: AccountRow, *, user_agent: str, ip: str) -> str:
    """A new session for a member who just proved who they are; the cookie's token."""
    token = secrets.token_urlsafe(32)
    now = svc.now()
    async with svc.db.transaction() as conn:
        await q.insert_session(
            conn,
            {
                "id": svc.db.new_id(),
                "account_id": account.id,
                "token_hash": _hash(token),
                "csrf_token": secrets.token_urlsafe(32),
                "user_agent": user_agent[:USER_AGENT_MAX],
                "ip": ip[:64],
                "created_at": now,
                "last_seen_at": now,
            },
        )
    return token


async def resume(svc: Services, token: str, *, ip: str) -> WebSession | None:
    """The live session this cookie token belongs to, or None (unknown, idle too long,
    or its member is suspended)."""
    if not token or len(token) > 100:
        return None
    now = svc.now()
    async with svc.db.read() as conn:
        found = await q.find_session(
            conn, _hash(token), now=now, unseen_cap=UNSEEN_CAP, waiting_role=ADMIN
        )
    if found is None:
        return None
    row, account = found.session, found.account
    if account.suspended_at is not None or now - row.last_seen_at > IDLE:
        async with svc.db.transaction() as conn:
            await q.delete_session(conn, account.id, row.id)
        return None
    if now - row.last_seen_at > TOUCH_EVERY or row.ip != ip[:64]:
        async with svc.db.transaction() as conn:
            await q.touch_session(conn, row.id, now, ip[:64])
    return WebSession(
        row, account, found.role, found.notifications_seen_id, found.unseen, found.waiting
    )


async def listed(svc: Services, account: AccountRow) -> list[SessionRow]:
    async with svc.db.read() as conn:
        return await q.list_sessions(conn, account.id)


async def end(svc: Services, account: AccountRow, session_id: int) -> None:
    """End one of the member's own sessions (signing out is ending the current one)."""
    async with svc.db.transaction() as conn:
        if not await q.delete_session(conn, account.id, session_id):
            raise NotFound("This session has already ended")


async def end_all(svc: Services, account: AccountRow, *, keep: int | None = None) -> int:
    """End every session of a member but ``keep``; how many ended."""
    async with svc.db.transaction() as conn:
        return await q.delete_sessions(conn, account.id, keep=keep)


async def purge_idle(svc: Services) -> int:
    """Delete sessions idle for longer than ``IDLE_DAYS`` (the hourly sweep)."""
    async with svc.db.transaction() as conn:
        return await q.delete_idle_sessions(conn, svc.now() - IDLE)
