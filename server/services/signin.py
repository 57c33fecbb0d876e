"""Signing in with a username and password (the OAuth sign-in page's form).

What an attempt reveals is the same for every username: an unknown one, a
member without a password, a suspended member and a wrong password all cost
one query and one argon2 verification (see ``services.passwords``) and all
answer None; the throttle counts usernames as typed (case-folded), existing
or not, so being refused says nothing about existence either.
"""

from __future__ import annotations

import math

from server.services import passwords
from server.services.errors import TooMany
from server.services.throttle import SignInThrottle
from server.store import Database
from server.store import accounts as account_queries
from server.store.accounts import AccountRow, username_key


class SignInThrottled(TooMany):
    """Too many failed sign-ins for this username or from this address."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(math.ceil(retry_after), 1)
        minutes = math.ceil(self.retry_after / 60)
        super().__init__(
            "Too many failed sign-in attempts. "
            f"Try again in {minutes} minute{'' if minutes == 1 else 's'}."
        )


def clean_username(username: str) -> str:
    """What a person types (``@Alice``, `` alice ``) as the username it names."""
    return username.strip().lstrip("@")


async def sign_in(
    db: Database, throttle: SignInThrottle, username: str, password: str, *, address: str
) -> AccountRow | None:
    """The member these credentials belong to, or None (unknown, wrong or suspended).

    Raises :class:`SignInThrottled` without checking the password when the
    username or the client ``address`` has failed too often lately."""
    username = clean_username(username)
    key = username_key(username)
    wait, attempt = await throttle.begin(key, address)
    if wait:
        raise SignInThrottled(wait)
    async with db.read() as conn:
        found = await account_queries.get_local_credentials(conn, username)
    member, stored = found if found and found[0].actor_type == "Person" else (None, None)
    matched = await passwords.verify_password(stored, password)
    if member is None or not matched or member.suspended_at is not None:
        return None
    await throttle.succeeded(key, address, attempt)
    if stored and passwords.needs_rehash(stored):  # the password is at hand only now
        fresh = await passwords.hash_password(password)
        async with db.transaction() as conn:
            await account_queries.set_password_hash(conn, member.id, fresh)
    return member
