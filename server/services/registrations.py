"""Joining an instance: the registration modes, invites and sign-ups awaiting approval.

The modes (``Site.registrations``):

* ``closed``: nobody signs up; admins create members (``warmline member create``).
* ``invite``: only with a valid invite link (made by an admin).
* ``approval``: anyone may ask, and an admin approves or rejects; an invite link
  skips the wait. Nothing of a waiting sign-up exists as a member (no keys, no
  actor, nothing federates) until it is approved.
* ``open``: anyone may sign up.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services import members, passwords
from server.services.context import Services
from server.services.errors import Conflict, Forbidden, NotFound, TooMany, ValidationError
from server.store import accounts as accounts_q
from server.store import registrations as q
from server.store.accounts import AccountRow, DuplicateError
from server.store.registrations import InviteRow, SignupRow

REASON_MAX = 1_000
INVITE_MAX_USES = 1_000
INVITE_MAX_DAYS = 365
LISTED_MAX = 200


def invite_url(svc: Services, invite: InviteRow) -> str:
    return f"{svc.config.base_url}/invite/{invite.code}"


async def create_invite(
    svc: Services,
    creator: AccountRow | None,
    *,
    max_uses: int | None = None,
    expires_in_days: int | None = None,
) -> InviteRow:
    """A new invite link's row; ``creator`` is None for one made on the command line."""
    if max_uses is not None and not 1 <= max_uses <= INVITE_MAX_USES:
        raise ValidationError(f"max uses must be between 1 and {INVITE_MAX_USES}", field="max_uses")
    if expires_in_days is not None and not 1 <= expires_in_days <= INVITE_MAX_DAYS:
        raise ValidationError(
            f"an invite expires after 1 to {INVITE_MAX_DAYS} days", field="expires_in_days"
        )
    now = svc.now()
    values = {
        "id": svc.db.new_id(),
        "code": secrets.token_urlsafe(12),
        "created_by_id": creator.id if creator else None,
        "max_uses": max_uses,
        "uses": 0,
        "expires_at": now + timedelta(days=expires_in_days) if expires_in_days else None,
        "created_at": now,
    }
    async with svc.db.transaction() as conn:
        await q.insert_invite(conn, values)
        row = await q.get_invite_by_code(conn, str(values["code"]))
    assert row is not None
    return row


async def usable_invites(svc: Services) -> list[InviteRow]:
    async with svc.db.read() as conn:
        return await q.list_invites(conn, svc.now(), limit=LISTED_MAX)


async def revoke_invite(svc: Services, invite_id: int) -> None:
    async with svc.db.transaction() as conn:
        if not await q.revoke_invite(conn, invite_id, svc.now()):
            raise NotFound("No such invite, or it was revoked already")


async def count_usable_invites(svc: Services) -> int:
    async with svc.db.read() as conn:
        return await q.count_invites(conn, svc.now())


async def revoke_invite_code(svc: Services, code: str) -> InviteRow:
    """Revoke an invite by its code (what the command line knows it by)."""
    async with svc.db.transaction() as conn:
        invite = await q.get_invite_by_code(conn, code.strip()) if code.strip() else None
        if invite is None or not await q.revoke_invite(conn, invite.id, svc.now()):
            raise NotFound("No such invite, or it was revoked already")
    return invite


async def find_invite(svc: Services, code: str) -> InviteRow:
    """A usable invite by its code; a ValidationError (on ``invite``) says what is wrong."""
    async with svc.db.read() as conn:
        invite = await q.get_invite_by_code(conn, code.strip()) if code.strip() else None
    if invite is None:
        raise ValidationError("This invite link is not valid", field="invite")
    if not invite.usable(svc.now()):
        raise ValidationError("This invite link has expired or has been used up", field="invite")
    return invite


@dataclass(frozen=True, slots=True)
class SignUp:
    """What a person typed on the sign-up page."""

    username: str
    password: str
    display_name: str = ""
    reason: str = ""
    invite_code: str = ""
    ip: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    """A new member, or (``member`` None) a sign-up waiting for an admin."""

    member: AccountRow | None


def _reason(value: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if len(value) > REASON_MAX:
        raise ValidationError(f"at most {REASON_MAX} characters, please", field="reason")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ValidationError("this text must not contain control characters", field="reason")
    return value


async def _check_available(svc: Services, username: str) -> None:
    async with svc.db.read() as conn:
        taken = await accounts_q.get_local_account(conn, username) is not None
        waiting = await q.signup_waiting(conn, username)
    if taken or waiting:
        raise ValidationError(f"The username {username!r} is already taken", field="username")


async def sign_up(svc: Services, form: SignUp) -> Outcome:
    """Sign up as the instance's registration mode allows (module docstring)."""
    mode = (await svc.site.get()).registrations
    if mode == "closed":
        raise Forbidden("Sign-ups are closed on this instance")
    invite = await find_invite(svc, form.invite_code) if form.invite_code else None
    if mode == "invite" and invite is None:
        raise ValidationError("An invite link is needed to join this instance", field="invite")
    username = members.validate_username(form.username.strip())
    display_name = members.clean_display_name(form.display_name)
    members.validate_password(form.password)
    reason = _reason(form.reason)
    await _check_available(svc, username)
    wait = await svc.sign_ins.sign_up_wait(form.ip)
    if wait:
        raise TooMany(f"Too many sign-ups from this address. Try again in {wait} minutes.")
    if mode == "approval" and invite is None:
        await _wait_for_approval(svc, form, username, display_name, reason)
        return Outcome(None)

    async def use_invite(conn: AsyncConnection) -> None:
        if invite is not None and not await q.use_invite(conn, invite.id, svc.now()):
            raise ValidationError(
                "This invite link has expired or has been used up", field="invite"
            )

    member = await _create(
        svc, username, display_name=display_name, password=form.password, also=use_invite
    )
    return Outcome(member)


async def _create(svc: Services, username: str, **options: object) -> AccountRow:
    try:
        return await members.create_member(svc.db, username, **options)  # type: ignore[arg-type]
    except Conflict:  # taken between the check and the insert
        raise ValidationError(
            f"The username {username!r} is already taken", field="username"
        ) from None


async def _wait_for_approval(
    svc: Services, form: SignUp, username: str, display_name: str, reason: str
) -> None:
    values = {
        "id": svc.db.new_id(),
        "username": username,
        "display_name": display_name,
        "password_hash": await passwords.hash_password(form.password),
        "reason": reason,
        "ip": form.ip[:64],
        "created_at": svc.now(),
    }
    try:
        async with svc.db.transaction() as conn:
            await q.insert_signup(conn, values)
    except DuplicateError:
        raise ValidationError(
            f"The username {username!r} is already taken", field="username"
        ) from None


async def waiting(svc: Services) -> list[SignupRow]:
    async with svc.db.read() as conn:
        return await q.list_signups(conn, limit=LISTED_MAX)


async def count_waiting(svc: Services) -> int:
    async with svc.db.read() as conn:
        return await q.count_signups(conn)


async def _signup(svc: Services, signup_id: int) -> SignupRow:
    async with svc.db.read() as conn:
        found = await q.get_signup(conn, signup_id)
    if found is None:
        raise NotFound("This sign-up was already approved or rejected")
    return found


async def approve(svc: Services, signup_id: int) -> AccountRow:
    """Make the member a waiting sign-up asked to be (the sign-up row goes with it)."""
    signup = await _signup(svc, signup_id)

    async def remove_signup(conn: AsyncConnection) -> None:
        if not await q.delete_signup(conn, signup.id):
            raise NotFound("This sign-up was already approved or rejected")

    return await _create(
        svc,
        signup.username,
        display_name=signup.display_name,
        password_hash=signup.password_hash,
        also=remove_signup,
    )


async def reject(svc: Services, signup_id: int) -> None:
    async with svc.db.transaction() as conn:
        if not await q.delete_signup(conn, signup_id):
            raise NotFound("This sign-up was already approved or rejected")
