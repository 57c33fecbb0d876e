"""Member passwords: argon2id hashes, checked in a worker thread.

A check always costs one argon2 verification, whether or not there is a hash
to check against: a missing hash (unknown username, a member without a
password) is checked against :data:`DUMMY_HASH` instead, so the time a sign-in
takes does not tell whether the username exists.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# The hash of a random password nobody kept, made with PasswordHasher()'s
# parameters (argon2id, m=65536, t=3, p=4), so verifying against it costs what
# verifying a member's hash costs. A test checks the parameters still match the
# ones new hashes get. Matching it never signs anyone in (see verify_password).
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4"
    "$1pCtJTMuWGyJqLvVF6u6wA$l9iXmR5UmjkSrcW2mxNOKAzUUxhwwmr354M1HT9gjSU"
)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(PasswordHasher().hash, password)


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` was made with other parameters than new hashes get
    (an older argon2-cffi default): re-hashed at the next sign-in."""
    try:
        return PasswordHasher().check_needs_rehash(stored)
    except InvalidHashError:
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash, spend the
    same work on :data:`DUMMY_HASH` and answer no."""
    try:
        matched = await asyncio.to_thread(PasswordHasher().verify, stored or DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and bool(stored)
