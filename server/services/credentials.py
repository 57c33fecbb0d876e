"""A member changing their own password.

The current password is checked like a sign-in: under the sign-in throttle
(``Services.sign_ins``), so the form cannot be used to guess it faster than the
sign-in page allows. The new password follows the rules of every password
(``members.validate_password``), checked first: a refusal that says nothing
about the current password costs no attempt.

A change ends the member's other browser sessions (whoever else knew the
password is signed out), keeping the one it was made from. API tokens stay
unless the member asks to revoke them too: they were given to apps the member
chose, and signing in again on every phone is the price of a routine change;
after a leak, the member ticks the box (or revokes apps one by one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from server.services import members, passwords
from server.services.context import Services
from server.services.errors import ValidationError
from server.services.signin import SignInThrottled
from server.store import accounts as accounts_q
from server.store import tokens as tokens_q
from server.store import websessions as sessions_q
from server.store.accounts import AccountRow, username_key


@dataclass(frozen=True, slots=True)
class PasswordChanged:
    sessions_ended: int
    tokens_revoked: int


async def change_password(
    svc: Services,
    member: AccountRow,
    *,
    current: str,
    new: str,
    address: str,
    keep_session: int | None = None,
    revoke_tokens: bool = False,
) -> PasswordChanged:
    """Set a new password once the current one is proved (module docstring).

    ValidationError names ``current_password`` or ``new_password``; too many wrong
    current passwords raise :class:`SignInThrottled`."""
    try:
        members.validate_password(new)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="new_password") from None
    key = username_key(member.username)
    wait, attempt = await svc.sign_ins.begin(key, address)
    if wait:
        raise SignInThrottled(wait)
    async with svc.db.read() as conn:
        stored = await accounts_q.get_password_hash(conn, member.id)
    if not await passwords.verify_password(stored, current):
        raise ValidationError("This is not your current password", field="current_password")
    await svc.sign_ins.succeeded(key, address, attempt)
    fresh = await passwords.hash_password(new)
    async with svc.db.transaction() as conn:
        await accounts_q.set_password_hash(conn, member.id, fresh)
        ended = await sessions_q.delete_sessions(conn, member.id, keep=keep_session)
        revoked = 0
        if revoke_tokens:
            now = datetime.now(UTC)
            revoked = await tokens_q.revoke_member_tokens(conn, member.id, now, every_app=True)
    return PasswordChanged(ended, revoked)
