"""What an operator does to local members (``warmline member ...``): list them,
set a password or a role, suspend and unsuspend, delete; and the demo member.

Suspending keeps everything and can be undone: the member cannot sign in, their
web sessions end, their tokens stop working (streams opened with them end at
the next heartbeat, in whichever process serves them), their pages and posts
answer 403 and their actor is served bare, marked ``suspended``, as Mastodon
does; followers' servers get that actor in an ``Update``. Deleting cannot be
undone: posts become Tombstones, everything that ties the member to others goes,
and a ``Delete`` of the actor goes to the servers of their followers, of whom
they follow and of their connections. The account row stays (suspended, without
its member row) so the username is never given to someone else, and its key
signs that ``Delete``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from federation import activities as ap
from server.services import audit, passwords, pictures, posts
from server.services.actors import send_update
from server.services.archive import jobs as archive_jobs
from server.services.context import Services
from server.services.errors import Conflict, Forbidden, NotFound, ValidationError
from server.services.members import create_member, get_member, validate_password
from server.services.outbox import Recipients, send
from server.store import Database
from server.store import accounts as q
from server.store import archives as archives_q
from server.store import events as events_q
from server.store import graph as graph_q
from server.store import websessions as websessions_q
from server.store.accounts import AccountRow, MemberListing, MemberRow
from server.store.database import after_commit

# Moderators act on accounts (``account_moderation``); admins also run the instance.
ROLES = ("member", "moderator", "admin")
DEMO_USERNAME = "demo"
# The demo member's password with --dev: fixed and documented, for local trials only.
DEMO_DEV_PASSWORD = "warmline-demo"

# A deleted member's profile: nothing of it is kept.
_BLANK_PROFILE = {
    "display_name": "", "headline": "", "summary": "", "location": "", "fields": [],
    "avatar_url": None, "header_url": None, "industry": "", "open_to": [], "experience": [],
    "education": [], "skills": [], "links": [], "locked": False, "discoverable": False,
    "accepts_introductions": False,
}  # fmt: skip


def state(member: MemberListing) -> str:
    """``active``, ``suspended`` or ``deleted``."""
    if member.role is None:
        return "deleted"
    return "active" if member.suspended_at is None else "suspended"


@dataclass(frozen=True, slots=True)
class FoundMembers:
    members: list[MemberRow]
    total: int  # how many match, on every page
    page: int
    pages: int


def state_of(member: MemberRow) -> str:
    """``active``, ``suspended`` or ``deleted`` (as :func:`state`)."""
    if member.role is None:
        return "deleted"
    return "active" if member.account.suspended_at is None else "suspended"


async def find_members(db: Database, text: str, *, page: int, per_page: int) -> FoundMembers:
    """Members whose username or name contains ``text`` (any case), a page of them
    by username (``page`` from 1; past the last, the last)."""
    text = text.strip().lstrip("@")[:100]
    async with db.read() as conn:
        total = await q.count_local_members_matching(conn, text)
        pages = max((total + per_page - 1) // per_page, 1)
        page = min(max(page, 1), pages)
        found = await q.find_local_members(conn, text, offset=(page - 1) * per_page, limit=per_page)
    return FoundMembers(found, total, page, pages)


async def member_row(db: Database, username: str) -> MemberRow:
    """One member as the admin's list shows them (deleted ones too)."""
    async with db.read() as conn:
        found = await q.get_local_member(conn, username)
    if found is None:
        raise NotFound(f"no member called {username!r}")
    return found


async def list_members(db: Database) -> list[MemberListing]:
    async with db.read() as conn:
        return await q.list_local_members(conn)


async def set_password(db: Database, username: str, password: str) -> AccountRow:
    """Set a member's password; their web sessions end (as when they change it)."""
    validate_password(password)
    member = await get_member(db, username)
    hashed = await passwords.hash_password(password)
    async with db.transaction() as conn:
        await q.set_password_hash(conn, member.id, hashed)
        await websessions_q.delete_sessions(conn, member.id)
    return member


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, not {role!r}", field="role")
    return role


async def set_role(db: Database, username: str, role: str) -> AccountRow:
    check_role(role)
    member = await get_member(db, username)
    async with db.transaction() as conn:
        await q.set_role(conn, member.id, role)
    return member


async def suspend(
    svc: Services, username: str, *, by: AccountRow | None = None, text: str = ""
) -> AccountRow:
    """Suspend a member (module docstring); ``by``, the admin doing it on the web,
    may not suspend themselves (they could not undo it there). In the moderation
    log with ``text``; ``by`` None is the command line."""
    member = await get_member(svc.db, username)
    if by is not None and by.id == member.id:
        raise Forbidden("You cannot suspend yourself")
    if member.suspended_at is not None:
        raise Conflict(f"@{member.username} is already suspended")
    return await _suspension(svc, member, suspended=True, by=by, text=text)


async def unsuspend(svc: Services, username: str, *, by: AccountRow | None = None) -> AccountRow:
    member = await get_member(svc.db, username)
    if member.suspended_at is None:
        raise Conflict(f"@{member.username} is not suspended")
    return await _suspension(svc, member, suspended=False, by=by, text="")


async def _suspension(
    svc: Services, member: AccountRow, *, suspended: bool, by: AccountRow | None, text: str
) -> AccountRow:
    """Set or clear ``suspended_at``, log it, and send followers the actor as it now reads."""
    await svc.keyring.for_account(member.id, member.username)  # loaded before the write lock
    async with svc.db.transaction() as conn:
        await q.update_account(conn, member.id, {"suspended_at": svc.now() if suspended else None})
        target = f"@{member.username}@{svc.config.domain}"
        await audit.record(svc, conn, by, "suspend" if suspended else "unsuspend", target, text)
        if suspended:
            await websessions_q.delete_sessions(conn, member.id)
        account = await q.get_account(conn, member.id)
        assert account is not None
        await send_update(svc, conn, account)
    svc.wake.deliveries.set()
    return account


async def delete_member(svc: Services, username: str) -> AccountRow:
    """Delete a member for good (see the module's notes); the tombstone that stays."""
    member = await get_member(svc.db, username)
    await svc.keyring.for_account(member.id, member.username)  # loaded before the write lock
    now = svc.now()
    async with svc.db.transaction() as conn:
        # Queued first: the delivery targets are read from the follows about to go.
        contacts = await q.remote_contacts(conn, member.id)
        doc = ap.delete_actor(svc.urls.actor(member.username))
        await send(svc, conn, member, doc, Recipients(followers=True, accounts=contacts))
        await posts.delete_all_of(svc, conn, member.id)
        await graph_q.delete_follows_of(conn, member.id)
        answered = await events_q.answered_by(conn, member.id)
        archived = await archives_q.file_names(conn, member.id)
        await q.purge_member(conn, member.id)
        after_commit(conn, lambda: archive_jobs.remove_files(svc, list(archived)))
        for event_id in answered:  # their answers are gone: the counts follow
            await events_q.recount(conn, event_id)
        changes = {**_BLANK_PROFILE, "suspended_at": now, "updated_at": now}
        await q.update_account(conn, member.id, changes)
        tombstone = await q.get_account(conn, member.id)
        assert tombstone is not None
        pictures.drop_replaced(svc, conn, member, tombstone)
    svc.inbox_owners.forget(member.username)
    svc.wake.deliveries.set()
    return tombstone


async def delete_own_account(
    svc: Services, member: AccountRow, *, password: str, confirm: str
) -> AccountRow:
    """A member deletes their own account: with their password, and their
    username typed out, since nothing brings it back. As ``delete_member``:
    other servers are told, the handle stays taken."""
    if confirm.strip().removeprefix("@").lower() != member.username.lower():
        raise ValidationError("Type your username to confirm", field="confirm")
    async with svc.db.read() as conn:
        stored = await q.get_password_hash(conn, member.id)
    if not await passwords.verify_password(stored, password):
        raise ValidationError("This is not your password", field="password")
    return await delete_member(svc, member.username)


@dataclass(frozen=True, slots=True)
class DemoSignIn:
    """How to sign in as the demo member: ``password`` is None when it was set
    before and is not the documented one (it is never stored in clear)."""

    created: bool
    password: str | None


async def ensure_demo_member(db: Database, *, dev: bool) -> DemoSignIn:
    """The demo member, made if missing, with a password: with ``dev`` the
    documented one and the admin role, else a random one made when it is set."""
    new_password = DEMO_DEV_PASSWORD if dev else secrets.token_urlsafe(12)
    async with db.read() as conn:
        existing = await q.get_local_account(conn, DEMO_USERNAME)
    if existing is None:
        role = "admin" if dev else "member"
        try:
            await create_member(
                db, DEMO_USERNAME, display_name="Demo Member", password=new_password, role=role
            )
            return DemoSignIn(created=True, password=new_password)
        except Conflict:  # another process made it first
            pass
    member = await get_member(db, DEMO_USERNAME)
    if dev:
        await set_role(db, DEMO_USERNAME, "admin")
    async with db.read() as conn:
        stored = await q.get_password_hash(conn, member.id)
    if stored is None:
        await set_password(db, DEMO_USERNAME, new_password)
        return DemoSignIn(created=False, password=new_password)
    if dev and await passwords.verify_password(stored, DEMO_DEV_PASSWORD):
        return DemoSignIn(created=False, password=DEMO_DEV_PASSWORD)
    return DemoSignIn(created=False, password=None)
