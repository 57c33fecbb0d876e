"""What moderators do to one account, local or remote: Mastodon's admin account
actions (``none``, ``silence``, ``suspend``) and their undoing.

A local member is suspended as ``member_admin`` does it (sessions and tokens
end, followers' servers get the actor marked suspended); a remote account is
suspended here only (no server is told), and every follow with it ends. Limiting
(``silence``) keeps an account's posts out of public timelines, local or remote.
Moderators (role ``moderator`` or ``admin``) act; a moderator cannot act on an
admin, and nobody on themselves. Every action goes to the moderation log.
"""

from __future__ import annotations

from server.services import audit, member_admin
from server.services.context import Services
from server.services.errors import Conflict, Forbidden, NotFound, ValidationError
from server.services.websessions import ADMIN
from server.store import accounts as q
from server.store import graph as graph_q
from server.store.accounts import AccountRow

MODERATOR = "moderator"
ACTIONS = ("none", "silence", "suspend")
# Mastodon's other actions, which Warmline does not have (yet): named in the refusal.
UNSUPPORTED = {"disable": "disabling sign-in alone", "sensitive": "marking media sensitive"}


async def moderator_role(svc: Services, account: AccountRow) -> str:
    """``admin`` or ``moderator``; Forbidden for anyone else."""
    if not account.is_local:
        raise Forbidden("This action is not allowed")
    role = (await member_admin.member_row(svc.db, account.username)).role
    if role not in (ADMIN, MODERATOR):
        raise Forbidden("This action is not allowed")
    return role


async def find(svc: Services, handle_text: str) -> AccountRow:
    """An account by ``user`` (a member), ``@user`` or ``@user@host`` (one we know)."""
    user, _, host = handle_text.strip().removeprefix("@").partition("@")
    async with svc.db.read() as conn:
        if not host or host.lower() == svc.config.domain.lower():
            account = await q.get_local_account(conn, user)
        else:
            account = await q.get_account_by_acct(conn, user, host)
    if account is None or account.actor_type == "Application":
        raise NotFound(f"no account {handle_text!r} is known here")
    return account


async def target(svc: Services, account_id: int) -> AccountRow:
    async with svc.db.read() as conn:
        account = await q.get_account(conn, account_id)
    if account is None or account.actor_type == "Application":
        raise NotFound("Record not found")
    return account


def handle(account: AccountRow, domain: str) -> str:
    return f"@{account.username}@{account.domain or domain}"


async def _check(svc: Services, by: AccountRow | None, account: AccountRow) -> None:
    """``by`` may act on ``account``; None is the command line, which may do anything."""
    if by is None:
        return
    role = await moderator_role(svc, by)
    if account.id == by.id:
        raise Forbidden("You cannot moderate yourself")
    if account.is_local and role != ADMIN:
        target_role = (await member_admin.member_row(svc.db, account.username)).role
        if target_role in (ADMIN, MODERATOR):
            raise Forbidden("A moderator cannot act on another moderator or an admin")


async def act(
    svc: Services, by: AccountRow | None, account_id: int, action: str, *, text: str = ""
) -> AccountRow:
    """Mastodon's ``POST /api/v1/admin/accounts/:id/action``."""
    if action in UNSUPPORTED:
        raise ValidationError(
            f"{UNSUPPORTED[action]} is not supported here; use silence or suspend", field="type"
        )
    if action not in ACTIONS:
        raise ValidationError(
            f"type must be one of {', '.join(ACTIONS)}, not {action!r}", field="type"
        )
    account = await target(svc, account_id)
    await _check(svc, by, account)
    if action == "suspend":
        return await _suspend(svc, by, account, text)
    if action == "silence":
        return await _set_silenced(svc, by, account, True, text)
    async with svc.db.transaction() as conn:  # "none": a note in the log
        await audit.record(svc, conn, by, "warn", handle(account, svc.config.domain), text)
    return account


async def unsuspend(svc: Services, by: AccountRow | None, account_id: int) -> AccountRow:
    account = await target(svc, account_id)
    await _check(svc, by, account)
    if account.suspended_at is None:
        raise Conflict(f"{handle(account, svc.config.domain)} is not suspended")
    if account.is_local:  # logged by member_admin, in its transaction
        return await member_admin.unsuspend(svc, account.username, by=by)
    async with svc.db.transaction() as conn:
        await q.update_account(conn, account.id, {"suspended_at": None})
        await audit.record(svc, conn, by, "unsuspend", handle(account, svc.config.domain))
        return await _reread(conn, account)


async def unsilence(svc: Services, by: AccountRow | None, account_id: int) -> AccountRow:
    account = await target(svc, account_id)
    await _check(svc, by, account)
    if account.silenced_at is None:
        raise Conflict(f"{handle(account, svc.config.domain)} is not limited")
    return await _set_silenced(svc, by, account, False, "")


async def _suspend(
    svc: Services, by: AccountRow | None, account: AccountRow, text: str
) -> AccountRow:
    name = handle(account, svc.config.domain)
    if account.suspended_at is not None:
        raise Conflict(f"{name} is already suspended")
    if account.is_local:  # logged by member_admin, in its transaction
        return await member_admin.suspend(svc, account.username, by=by, text=text)
    async with svc.db.transaction() as conn:
        await q.update_account(conn, account.id, {"suspended_at": svc.now()})
        await graph_q.delete_follows_of(conn, account.id)
        await audit.record(svc, conn, by, "suspend", name, text)
        return await _reread(conn, account)


async def _set_silenced(
    svc: Services, by: AccountRow | None, account: AccountRow, silenced: bool, text: str
) -> AccountRow:
    name = handle(account, svc.config.domain)
    if silenced and account.silenced_at is not None:
        raise Conflict(f"{name} is already limited")
    async with svc.db.transaction() as conn:
        await q.update_account(conn, account.id, {"silenced_at": svc.now() if silenced else None})
        await audit.record(svc, conn, by, "silence" if silenced else "unsilence", name, text)
        return await _reread(conn, account)


async def _reread(conn: object, account: AccountRow) -> AccountRow:
    found = await q.get_account(conn, account.id)  # type: ignore[arg-type]
    assert found is not None
    return found
