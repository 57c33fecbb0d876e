"""The apps a member has let into their account (Mastodon's "Authorized apps"):
listed with what they may do, and shut out.

An app's access is every live token it holds for the member (one per sign-in
from each device); revoking it revokes them all and spends the member's unused
authorization codes for it, so nothing the app already has buys a new token.
Tokens made on the command line (``warmline token create``) belong to no app;
they are listed, and revoked, together.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from server.services.errors import NotFound
from server.store import Database
from server.store import oauth as oauth_q
from server.store import tokens as q
from server.store.accounts import AccountRow
from server.store.tokens import AppAccess

_ORDER = {"read": 0, "write": 1, "follow": 2, "push": 3, "profile": 4}


def _scope_rank(scope: str) -> tuple[int, str]:
    return _ORDER.get(scope.split(":", 1)[0], 5), scope


async def listed(db: Database, member: AccountRow) -> list[AppAccess]:
    """Each app with access, most recently authorised first; its scopes read, write,
    follow, push first, as the consent page lists them."""
    async with db.read() as conn:
        found = await q.member_app_access(conn, member.id)
    return [replace(a, scopes=tuple(sorted(a.scopes, key=_scope_rank))) for a in found]


async def revoke(db: Database, member: AccountRow, application_id: int | None) -> int:
    """Revoke an app's access (``application_id`` None: the command-line tokens);
    how many tokens it held. NotFound when it held none."""
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        count = await q.revoke_member_tokens(conn, member.id, now, application_id=application_id)
        if application_id is not None:
            await oauth_q.spend_member_codes(conn, member.id, application_id, now)
    if not count:
        raise NotFound("This app has no access to your account")
    return count
