"""Members: usernames, keys, passwords, the instance actor, tokens."""

from __future__ import annotations

import argon2
import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from federation import keys as fkeys
from server.services import members, passwords, tokens
from server.services.errors import Conflict, NotFound, Unauthorized, ValidationError
from server.store import Database
from server.store import accounts as q
from server.urls import INSTANCE_ACTOR_USERNAME


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("", "must not be empty"),
        ("a" * 31, "at most 30"),
        ("has space", "only letters"),
        ("dot.ted", "only letters"),
        ("émile", "only letters"),
        ("Admin", "reserved"),
        ("instance", "reserved"),
    ],
)
def test_invalid_usernames_name_the_problem(username: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        members.validate_username(username)
    assert info.value.field == "username"


async def test_member_gets_rsa_2048_and_ed25519_keys(db: Database) -> None:
    account = await members.create_member(db, "Alice", display_name="  Alice A.  ")
    assert (account.username, account.display_name, account.domain) == ("Alice", "Alice A.", None)
    async with db.read() as conn:
        stored = {row.kind: row for row in await q.account_keys(conn, account.id)}
    rsa_key = fkeys.load_private_pem(stored["rsa"].private_pem or "")
    assert isinstance(rsa_key, rsa.RSAPrivateKey) and rsa_key.key_size == 2048
    assert isinstance(
        fkeys.load_private_pem(stored["ed25519"].private_pem or ""), ed25519.Ed25519PrivateKey
    )


async def test_usernames_are_unique_regardless_of_case(db: Database) -> None:
    await members.create_member(db, "Alice")
    with pytest.raises(Conflict, match="already taken"):
        await members.create_member(db, "aLICE")
    assert (await members.get_member(db, "ALICE")).username == "Alice"


@pytest.mark.real_password_hashing
async def test_passwords_are_argon2_hashed_and_checked(db: Database) -> None:
    account = await members.create_member(db, "bob", password="correct horse")
    async with db.read() as conn:
        stored = await q.get_password_hash(conn, account.id)
    assert stored is not None and stored.startswith("$argon2id$") and "correct" not in stored
    assert await passwords.verify_password(stored, "correct horse")
    assert not await passwords.verify_password(stored, "wrong horse")
    with pytest.raises(ValidationError, match="at least 8"):
        await members.create_member(db, "carol", password="short")


async def test_display_names_refuse_control_characters(db: Database) -> None:
    with pytest.raises(ValidationError, match="control characters"):
        await members.create_member(db, "dave", display_name="evil\x07name")


async def test_instance_actor_is_made_once_and_is_not_a_member(db: Database) -> None:
    first = await members.ensure_instance_actor(db)
    again = await members.ensure_instance_actor(db)
    assert first.id == again.id and first.actor_type == "Application"
    assert first.username == INSTANCE_ACTOR_USERNAME
    with pytest.raises(NotFound):
        await members.get_member(db, INSTANCE_ACTOR_USERNAME)
    async with db.read() as conn:
        assert await q.count_local_members(conn) == 0


async def test_tokens_authenticate_with_their_scopes(db: Database) -> None:
    account = await members.create_member(db, "erin")
    token = await tokens.create_token(db, "ERIN", scopes="read write:statuses")
    found = await tokens.authenticate(db, token)
    assert found.account.id == account.id
    assert found.scopes == ("read", "write:statuses")
    assert tokens.scope_allows(found.scopes, "read:accounts")
    assert tokens.scope_allows(found.scopes, "write:statuses")
    assert not tokens.scope_allows(found.scopes, "write:follows")
    with pytest.raises(Unauthorized):
        await tokens.authenticate(db, token + "x")


async def test_token_scopes_and_owner_are_checked(db: Database) -> None:
    await members.create_member(db, "frank")
    with pytest.raises(ValidationError, match="unknown scope"):
        await tokens.create_token(db, "frank", scopes="read everything")
    with pytest.raises(ValidationError, match="at least one scope"):
        await tokens.create_token(db, "frank", scopes="  ")
    with pytest.raises(NotFound):
        await tokens.create_token(db, "nobody")


async def test_profile_update_validates_and_escapes(db: Database) -> None:
    await members.create_member(db, "gina")
    changes = members.ProfileChanges(
        headline="Founder <b>at</b> Example",
        summary="Builds things.\n\nLikes <script>",
        location="Lyon",
        fields=[("Site", "https://gina.example"), ("", "ignored")],
        locked=True,
    )
    account = await members.update_profile(db, "GINA", changes)
    assert account.headline == "Founder <b>at</b> Example"  # plain text, escaped where shown
    assert account.summary == "<p>Builds things.</p><p>Likes &lt;script&gt;</p>"
    assert account.fields == [{"name": "Site", "value": "https://gina.example"}]
    assert account.location == "Lyon" and account.locked is True
    with pytest.raises(ValidationError, match="at most 200") as info:
        await members.update_profile(db, "gina", members.ProfileChanges(headline="x" * 201))
    assert info.value.field == "headline"
    with pytest.raises(ValidationError, match="at most 8 profile fields"):
        await members.update_profile(db, "gina", members.ProfileChanges(fields=[("a", "b")] * 9))


@pytest.mark.real_password_hashing
async def test_a_missing_password_hash_costs_a_real_verification() -> None:
    # The dummy must be a well-formed hash with today's parameters: a malformed one
    # would fail at once, and an unknown username would answer faster than a wrong password.
    hasher = PasswordHasher()
    assert argon2.extract_parameters(passwords.DUMMY_HASH) == argon2.extract_parameters(
        hasher.hash("anything")
    )
    with pytest.raises(VerifyMismatchError):
        hasher.verify(passwords.DUMMY_HASH, "a guess")
    assert not await passwords.verify_password(None, "a guess")
    assert not await passwords.verify_password("", "a guess")
    stored = await passwords.hash_password("right one")
    assert await passwords.verify_password(stored, "right one")
    assert not await passwords.verify_password(stored, "wrong one")
