"""Members: creating them, validating what they are called, their keys and passwords."""

from __future__ import annotations

import asyncio
import html
import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import keys as fkeys
from server.services import job_changes, passwords, profiles
from server.services.errors import Conflict, Forbidden, Gone, NotFound, ValidationError
from server.services.html import text_to_html
from server.store import Database
from server.store import accounts as q
from server.store.accounts import AccountRow, DuplicateError
from server.urls import INSTANCE_ACTOR_USERNAME

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
USERNAME_MAX = 30
DISPLAY_NAME_MAX = 100
PASSWORD_MIN = 8
PASSWORD_MAX = 1024

# Names that would let a member pass for the instance or its staff.
# Work done in the transaction that creates a member.
Also = Callable[[AsyncConnection], Awaitable[None]]

RESERVED_USERNAMES = frozenset(
    {
        "abuse", "actor", "admin", "administrator", "api", "hostmaster", "inbox",
        "instance", "moderator", "nodeinfo", "postmaster", "root", "security",
        "support", "system", "warmline", "webmaster",
    }
)  # fmt: skip


def validate_username(username: str) -> str:
    """Return the username if a member may have it, else raise ValidationError."""
    if not username:
        raise ValidationError("username must not be empty", field="username")
    if len(username) > USERNAME_MAX:
        raise ValidationError(
            f"username must be at most {USERNAME_MAX} characters", field="username"
        )
    if not USERNAME_PATTERN.match(username):
        raise ValidationError(
            "username may contain only letters a-z, digits and underscores", field="username"
        )
    if username.lower() in RESERVED_USERNAMES:
        raise ValidationError(f"username {username!r} is reserved", field="username")
    return username


def clean_display_name(value: str) -> str:
    """Strip, and refuse control characters and overlong names."""
    value = value.strip()
    if len(value) > DISPLAY_NAME_MAX:
        raise ValidationError(
            f"display name must be at most {DISPLAY_NAME_MAX} characters", field="display_name"
        )
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationError(
            "display name must not contain control characters", field="display_name"
        )
    return value


def validate_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise ValidationError(
            f"password must be at least {PASSWORD_MIN} characters", field="password"
        )
    if len(password) > PASSWORD_MAX:
        raise ValidationError(
            f"password must be at most {PASSWORD_MAX} characters", field="password"
        )
    return password


@dataclass(frozen=True, slots=True)
class NewKeys:
    rsa_private_pem: str
    rsa_public_pem: str
    ed_private_pem: str
    ed_public_pem: str


def _generate_keys() -> NewKeys:
    rsa_key = fkeys.generate_rsa(2048)
    ed_key = fkeys.generate_ed25519()
    return NewKeys(
        fkeys.private_key_to_pem(rsa_key),
        fkeys.public_key_to_pem(rsa_key.public_key()),
        fkeys.private_key_to_pem(ed_key),
        fkeys.public_key_to_pem(ed_key.public_key()),
    )


async def _insert_keys(
    db: Database, conn: AsyncConnection, account_id: int, new: NewKeys, now: datetime
) -> None:
    for kind, private, public in (
        ("rsa", new.rsa_private_pem, new.rsa_public_pem),
        ("ed25519", new.ed_private_pem, new.ed_public_pem),
    ):
        await q.insert_key(
            conn,
            {
                "id": db.new_id(),
                "account_id": account_id,
                "kind": kind,
                "public_pem": public,
                "private_pem": private,
                "created_at": now,
            },
        )


async def create_member(
    db: Database,
    username: str,
    *,
    display_name: str = "",
    password: str | None = None,
    password_hash: str | None = None,
    role: str = "member",
    now: datetime | None = None,
    also: Also | None = None,
) -> AccountRow:
    """Create a local member with an RSA-2048 and an Ed25519 key pair.

    ``password_hash`` is for a password checked and hashed earlier (a sign-up
    that waited for approval); ``also`` runs inside the member's transaction
    (using an invite, removing the sign-up), so both happen or neither."""
    validate_username(username)
    display_name = clean_display_name(display_name)
    if password is not None:
        validate_password(password)
        password_hash = await passwords.hash_password(password)
    new_keys = await asyncio.to_thread(_generate_keys)
    return await _insert_local_account(
        db, username, display_name, "Person", new_keys, password_hash, role, now, also
    )


async def _insert_local_account(
    db: Database,
    username: str,
    display_name: str,
    actor_type: str,
    new_keys: NewKeys,
    password_hash: str | None,
    role: str | None,
    now: datetime | None,
    also: Also | None = None,
    *,
    values: dict[str, object] | None = None,
    then: Callable[[AsyncConnection, int], Awaitable[None]] | None = None,
) -> AccountRow:
    now = now or datetime.now(UTC)
    account_id = db.new_id()
    async with db.transaction() as conn:
        if also is not None:
            await also(conn)
        try:
            await q.insert_account(
                conn,
                {
                    "id": account_id,
                    "username": username,
                    "actor_type": actor_type,
                    "display_name": display_name,
                    "fields": [],
                    "created_at": now,
                    "updated_at": now,
                    **(values or {}),
                },
            )
        except DuplicateError:
            raise Conflict(f"username {username!r} is already taken") from None
        if role is not None:
            await q.insert_user(
                conn,
                {
                    "account_id": account_id,
                    "password_hash": password_hash,
                    "role": role,
                    "created_at": now,
                },
            )
        await _insert_keys(db, conn, account_id, new_keys, now)
        if then is not None:
            await then(conn, account_id)
        row = await q.get_account(conn, account_id)
    assert row is not None
    return row


async def create_group_account(
    db: Database,
    username: str,
    *,
    display_name: str,
    summary_html: str,
    locked: bool,
    now: datetime,
    then: Callable[[AsyncConnection, int], Awaitable[None]],
) -> AccountRow:
    """A local account of actor type Group, with keys, and no member behind it
    (no one signs in as a group); ``then`` runs in its transaction with its id."""
    validate_username(username)
    new_keys = await asyncio.to_thread(_generate_keys)
    return await _insert_local_account(
        db,
        username,
        clean_display_name(display_name),
        "Group",
        new_keys,
        None,
        None,
        now,
        values={"summary": summary_html, "locked": locked},
        then=then,
    )


async def ensure_instance_actor(db: Database) -> AccountRow:
    """The instance's own actor, which signs fetches; created on first start."""
    async with db.read() as conn:
        existing = await q.get_local_account(conn, INSTANCE_ACTOR_USERNAME)
    if existing is not None:
        return existing
    new_keys = await asyncio.to_thread(_generate_keys)
    try:
        return await _insert_local_account(
            db, INSTANCE_ACTOR_USERNAME, "", "Application", new_keys, None, None, None
        )
    except Conflict:  # another process made it first
        async with db.read() as conn:
            made = await q.get_local_account(conn, INSTANCE_ACTOR_USERNAME)
        assert made is not None
        return made


class MemberDeleted(Gone):
    """The member was deleted; ``account`` is what stays of them (a tombstone)."""

    def __init__(self, account: AccountRow) -> None:
        super().__init__(f"member {account.username!r} was deleted")
        self.account = account


async def get_member(db: Database, username: str, *, groups: bool = False) -> AccountRow:
    """A local member (not the instance actor) by username, any case; a deleted
    one raises :class:`MemberDeleted`. A suspended one is returned: see
    :func:`require_active`. ``groups``: a local group's account is found too
    (the actor, its inbox and collections are served alike)."""
    if username.lower() == INSTANCE_ACTOR_USERNAME:
        raise NotFound(f"no member called {username!r}")
    kinds = ("Person", "Group") if groups else ("Person",)
    async with db.read() as conn:
        row = await q.get_local_account(conn, username)
        if row is None or row.actor_type not in kinds:
            raise NotFound(f"no member called {username!r}")
        # Deleting a member keeps the account (the username stays taken) without its
        # member row; only a suspended account can be one, so only those cost a query.
        if row.suspended_at is not None and await q.get_role(conn, row.id) is None:
            raise MemberDeleted(row)
    return row


def require_active(member: AccountRow) -> AccountRow:
    """Refuse what a suspended member's pages, posts and collections would show
    (403, as Mastodon answers for a suspended account)."""
    if member.suspended_at is not None:
        raise Forbidden("This account is suspended")
    return member


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """Profile fields to change; None leaves a field as it is."""

    display_name: str | None = None
    headline: str | None = None
    summary: str | None = None  # plain text; stored as escaped HTML paragraphs
    location: str | None = None
    fields: list[tuple[str, str]] | None = None
    locked: bool | None = None
    discoverable: bool | None = None
    # The professional profile; loosely typed as it arrived, checked by services.profiles.
    industry: object = None
    open_to: object = None
    experience: object = None
    education: object = None
    skills: object = None
    links: object = None
    connections_visibility: object = None
    accepts_introductions: object = None
    # Pictures already stored (services.pictures): where they are served.
    avatar_url: str | None = None
    header_url: str | None = None


_PROFESSIONAL = {
    "industry": lambda v: profiles.text(v, "warmline.industry", profiles.INDUSTRY_MAX),
    "open_to": profiles.open_to,
    "experience": profiles.experience,
    "education": profiles.education,
    "skills": profiles.skills,
    "links": profiles.links,
    "connections_visibility": profiles.connections_visibility,
    "accepts_introductions": lambda v: profiles.flag(v, "warmline.accepts_introductions"),
}

HEADLINE_MAX = profiles.HEADLINE_MAX
SUMMARY_MAX = 5000
LOCATION_MAX = profiles.LOCATION_MAX
FIELDS_MAX = 8
FIELD_NAME_MAX = 255
FIELD_VALUE_MAX = 2048


def _plain(value: str, name: str, limit: int, label: str = "") -> str:
    value, label = value.strip(), label or name.replace("_", " ")
    if len(value) > limit:
        raise ValidationError(f"{label} must be at most {limit} characters", field=name)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ValidationError(f"{label} must not contain control characters", field=name)
    return value


def _profile_values(changes: ProfileChanges) -> dict[str, object]:
    values: dict[str, object] = {}
    if changes.display_name is not None:
        values["display_name"] = clean_display_name(changes.display_name)
    if changes.headline is not None:
        values["headline"] = _plain(changes.headline, "headline", HEADLINE_MAX).replace("\n", " ")
    if changes.location is not None:
        values["location"] = _plain(changes.location, "location", LOCATION_MAX).replace("\n", " ")
    if changes.summary is not None:
        values["summary"] = text_to_html(_plain(changes.summary, "summary", SUMMARY_MAX))
    if changes.fields is not None:
        if len(changes.fields) > FIELDS_MAX:
            raise ValidationError(f"at most {FIELDS_MAX} profile fields", field="fields")
        values["fields"] = [
            {
                "name": _plain(name, f"fields[{i}].name", FIELD_NAME_MAX, "field name"),
                "value": html.escape(
                    _plain(value, f"fields[{i}].value", FIELD_VALUE_MAX, "field value")
                ),
            }
            for i, (name, value) in enumerate(changes.fields)
            if name.strip()
        ]
    for picture in ("avatar_url", "header_url"):
        if getattr(changes, picture) is not None:
            values[picture] = getattr(changes, picture)
    for flag in ("locked", "discoverable"):
        if getattr(changes, flag) is not None:
            values[flag] = bool(getattr(changes, flag))
    for name, check in _PROFESSIONAL.items():
        if getattr(changes, name) is not None:
            values[name] = check(getattr(changes, name))
    return values


async def apply_profile(
    conn: AsyncConnection, member: AccountRow, changes: ProfileChanges, now: datetime
) -> AccountRow:
    """Write profile changes inside the caller's transaction; the member as now stored."""
    values = _profile_values(changes)
    if not values:
        return member
    await q.update_account(conn, member.id, {**values, "updated_at": now})
    row = await q.get_account(conn, member.id)
    assert row is not None
    if "experience" in values:
        await job_changes.notice(conn, member, row, now)
    return row


async def update_profile(
    db: Database, username: str, changes: ProfileChanges, *, now: datetime | None = None
) -> AccountRow:
    """Change a member's public profile (without telling followers: see
    ``services.actors.change_profile`` for that)."""
    member = await get_member(db, username)
    async with db.transaction() as conn:
        return await apply_profile(conn, member, changes, now or datetime.now(UTC))


async def count_members(db: Database) -> int:
    """Local members (people, not the instance actor), for the about pages."""
    async with db.read() as conn:
        return await q.count_local_members(conn)
