"""Queries on accounts (local and remote), their credentials and keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.exclusions import blocked_either_way
from server.store.tables import (
    account_aliases,
    account_archives,
    account_domain_blocks,
    account_pins,
    accounts,
    api_tokens,
    blocks,
    bookmarks,
    calendar_feeds,
    connection_requests,
    connections,
    conversation_marks,
    endorsements,
    event_invites,
    event_participants,
    follows,
    group_roles,
    home_feed,
    idempotency_keys,
    imported_recommendations,
    job_changes,
    keys,
    linkedin_contacts,
    linkedin_links,
    list_accounts,
    lists,
    mutes,
    notifications,
    oauth_codes,
    profile_extras,
    recommendations,
    users,
    warmth_dismissals,
    web_sessions,
)


class DuplicateError(Exception):
    """A unique value (username, uri) is already taken."""


@dataclass(frozen=True, slots=True)
class AccountRow:
    """An account as stored; local when ``domain`` is None."""

    id: int
    username: str
    domain: str | None
    uri: str | None
    url: str | None
    actor_type: str
    inbox_url: str | None
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    following_url: str | None
    display_name: str
    headline: str
    summary: str
    location: str
    fields: list[dict[str, str]]
    avatar_url: str | None
    header_url: str | None
    locked: bool
    discoverable: bool
    created_at: datetime
    updated_at: datetime
    fetched_at: datetime | None
    suspended_at: datetime | None
    silenced_at: datetime | None  # limited by a domain block
    industry: str
    open_to: list[str]
    experience: list[dict[str, Any]]
    education: list[dict[str, Any]]
    skills: list[str]
    links: list[dict[str, str]]
    connections_visibility: str
    accepts_introductions: bool
    warmline: bool
    connections_url: str | None

    @property
    def is_local(self) -> bool:
        return self.domain is None

    @property
    def speaks_warmline(self) -> bool:
        """Local, or a remote actor that understands connections and introductions."""
        return self.domain is None or self.warmline

    @classmethod
    def from_row(cls, row: RowMapping) -> AccountRow:
        values = {name: row[name] for name in cls.__slots__}
        for name in _LISTS:
            values[name] = list(values[name] or [])
        return cls(**values)


_LISTS = ("fields", "open_to", "experience", "education", "skills", "links")


@dataclass(frozen=True, slots=True)
class KeyRow:
    id: int
    account_id: int
    kind: str
    key_uri: str | None
    public_pem: str
    private_pem: str | None


def username_key(username: str) -> str:
    """The case-folded form that uniqueness is judged on."""
    return username.lower()


async def insert_account(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    row = dict(values)
    row["username_key"] = username_key(row["username"])
    try:
        await conn.execute(insert(accounts).values(**row))
    except IntegrityError as exc:
        raise DuplicateError(str(exc.orig)) from exc


async def insert_user(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(insert(users).values(**values))


async def insert_key(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(insert(keys).values(**values))


async def get_account(conn: AsyncConnection, account_id: int) -> AccountRow | None:
    row = (
        (await conn.execute(select(accounts).where(accounts.c.id == account_id))).mappings().first()
    )
    return AccountRow.from_row(row) if row else None


# Built once (a page of posts asks for its authors on every request).
_BY_IDS = select(accounts).where(accounts.c.id.in_(bindparam("ids", expanding=True)))


async def get_accounts(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, AccountRow]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = (await conn.execute(_BY_IDS, {"ids": wanted})).mappings().all()
    return {r["id"]: AccountRow.from_row(r) for r in rows}


async def search_accounts(
    conn: AsyncConnection,
    prefix: str,
    limit: int,
    *,
    remote_only: bool = False,
    viewer_id: int | None = None,
) -> list[AccountRow]:
    """Accounts whose username starts with ``prefix`` (local ones first); without
    the accounts ``viewer_id`` blocks or is blocked by."""
    pattern = prefix.lower().replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
    query = (
        select(accounts)
        .where(
            accounts.c.username_key.like(pattern, escape="\\"),
            accounts.c.suspended_at.is_(None),
            accounts.c.actor_type != "Application",
        )
        .order_by(accounts.c.domain.is_not(None), accounts.c.username_key)
        .limit(limit)
    )
    if remote_only:
        query = query.where(accounts.c.domain.is_not(None))
    if viewer_id is not None:
        query = query.where(accounts.c.id.not_in(blocked_either_way(viewer_id)))
    return [AccountRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


_BY_ACCT = select(accounts).where(
    accounts.c.username_key == bindparam("key"), accounts.c.domain == bindparam("domain")
)
_LOCAL_BY_NAME = select(accounts).where(
    accounts.c.username_key == bindparam("key"), accounts.c.domain.is_(None)
)


async def get_account_by_acct(
    conn: AsyncConnection, username: str, domain: str
) -> AccountRow | None:
    params = {"key": username_key(username), "domain": domain.lower()}
    row = (await conn.execute(_BY_ACCT, params)).mappings().first()
    return AccountRow.from_row(row) if row else None


async def get_local_account(conn: AsyncConnection, username: str) -> AccountRow | None:
    """A local account by username, case-insensitively."""
    row = (await conn.execute(_LOCAL_BY_NAME, {"key": username_key(username)})).mappings().first()
    return AccountRow.from_row(row) if row else None


async def get_account_by_uri(conn: AsyncConnection, uri: str) -> AccountRow | None:
    row = (await conn.execute(select(accounts).where(accounts.c.uri == uri))).mappings().first()
    return AccountRow.from_row(row) if row else None


async def update_account(conn: AsyncConnection, account_id: int, values: Mapping[str, Any]) -> None:
    await conn.execute(update(accounts).where(accounts.c.id == account_id).values(**values))


async def count_local_members(conn: AsyncConnection, *, actor_type: str = "Person") -> int:
    query = (
        select(func.count())
        .select_from(accounts.join(users, users.c.account_id == accounts.c.id))
        .where(accounts.c.domain.is_(None), accounts.c.actor_type == actor_type)
    )
    return int((await conn.execute(query)).scalar_one())


async def count_active_members(conn: AsyncConnection, *, since: datetime) -> int:
    """Members who joined or used the API since ``since`` (NodeInfo's active users)."""
    used_token = exists().where(
        api_tokens.c.account_id == users.c.account_id, api_tokens.c.last_used_at >= since
    )
    query = (
        select(func.count())
        .select_from(accounts.join(users, users.c.account_id == accounts.c.id))
        .where(accounts.c.actor_type == "Person", or_(users.c.created_at >= since, used_token))
    )
    return int((await conn.execute(query)).scalar_one())


async def account_keys(conn: AsyncConnection, account_id: int) -> list[KeyRow]:
    query = select(keys).where(keys.c.account_id == account_id).order_by(keys.c.id)
    rows = (await conn.execute(query)).mappings().all()
    return [
        KeyRow(r["id"], r["account_id"], r["kind"], r["key_uri"], r["public_pem"], r["private_pem"])
        for r in rows
    ]


async def get_password_hash(conn: AsyncConnection, account_id: int) -> str | None:
    query = select(users.c.password_hash).where(users.c.account_id == account_id)
    return (await conn.execute(query)).scalar_one_or_none()


async def set_password_hash(conn: AsyncConnection, account_id: int, password_hash: str) -> None:
    query = update(users).where(users.c.account_id == account_id)
    await conn.execute(query.values(password_hash=password_hash))


async def get_local_credentials(
    conn: AsyncConnection, username: str
) -> tuple[AccountRow, str | None] | None:
    """A local account by username (any case) and its password hash, in one query
    whether or not it exists (sign-in takes the same time either way)."""
    query = (
        select(accounts, users.c.password_hash)
        .outerjoin(users, users.c.account_id == accounts.c.id)
        .where(accounts.c.username_key == username_key(username), accounts.c.domain.is_(None))
    )
    row = (await conn.execute(query)).mappings().first()
    return (AccountRow.from_row(row), row["password_hash"]) if row else None


async def upsert_remote_account(
    conn: AsyncConnection, values: Mapping[str, Any], *, new_id: int
) -> AccountRow:
    """Insert or refresh a remote account, keyed by its ``uri``."""
    row = dict(values)
    row["username_key"] = username_key(row["username"])
    existing = await get_account_by_uri(conn, row["uri"])
    if existing is None:
        row.setdefault("created_at", row["updated_at"])
        await conn.execute(insert(accounts).values(id=new_id, **row))
        account_id = new_id
    else:
        row.pop("created_at", None)
        await conn.execute(update(accounts).where(accounts.c.id == existing.id).values(**row))
        account_id = existing.id
    stored = await get_account(conn, account_id)
    assert stored is not None
    return stored


async def replace_remote_keys(
    conn: AsyncConnection,
    account_id: int,
    new_keys: list[tuple[str, str, str]],
    *,
    ids: list[int],
    now: datetime,
) -> None:
    """Make ``(kind, key_uri, public_pem)`` the account's complete key set."""
    await conn.execute(delete(keys).where(keys.c.account_id == account_id))
    uris = [uri for _, uri, _ in new_keys]
    if uris:  # a key id moves only within one origin; the caller checked that
        await conn.execute(delete(keys).where(keys.c.key_uri.in_(uris)))
    for key_id, (kind, uri, pem) in zip(ids, new_keys, strict=True):
        await conn.execute(
            insert(keys).values(
                id=key_id,
                account_id=account_id,
                kind=kind,
                key_uri=uri,
                public_pem=pem,
                created_at=now,
            )
        )


async def get_remote_key(conn: AsyncConnection, key_uri: str) -> tuple[KeyRow, AccountRow] | None:
    """A cached remote public key and the account that listed it."""
    query = select(keys).where(keys.c.key_uri == key_uri)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    account = await get_account(conn, row["account_id"])
    if account is None:
        return None
    key = KeyRow(row["id"], row["account_id"], row["kind"], row["key_uri"], row["public_pem"], None)
    return key, account


@dataclass(frozen=True, slots=True)
class MemberListing:
    """A local member as ``warmline member list`` shows it; ``role`` None once deleted."""

    username: str
    display_name: str
    role: str | None
    suspended_at: datetime | None
    created_at: datetime


async def list_local_members(conn: AsyncConnection) -> list[MemberListing]:
    """Every local member, deleted ones included (their usernames stay taken)."""
    query = (
        select(
            accounts.c.username,
            accounts.c.display_name,
            users.c.role,
            accounts.c.suspended_at,
            accounts.c.created_at,
        )
        .outerjoin(users, users.c.account_id == accounts.c.id)
        .where(accounts.c.domain.is_(None), accounts.c.actor_type == "Person")
        .order_by(accounts.c.username_key)
    )
    return [MemberListing(*row) for row in (await conn.execute(query)).all()]


async def get_role(conn: AsyncConnection, account_id: int) -> str | None:
    """A member's role; None for an account without a member row (deleted, instance actor)."""
    query = select(users.c.role).where(users.c.account_id == account_id)
    return (await conn.execute(query)).scalar_one_or_none()


async def set_role(conn: AsyncConnection, account_id: int, role: str) -> None:
    await conn.execute(update(users).where(users.c.account_id == account_id).values(role=role))


async def remote_contacts(conn: AsyncConnection, account_id: int) -> list[AccountRow]:
    """Remote accounts a member follows (or asked to follow) or is connected to."""
    followed = select(follows.c.target_account_id).where(follows.c.account_id == account_id)
    peers = select(connections.c.peer_id).where(connections.c.account_id == account_id)
    query = select(accounts).where(
        accounts.c.domain.is_not(None), accounts.c.id.in_(followed.union(peers))
    )
    return [AccountRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


# What names a member besides their posts and follows, removed when the member is
# deleted: credentials, tokens, their ties to others and what others keep about them.
# The accounts row and its keys stay: the username stays taken, and the key signs
# the Delete that tells other servers.
_MEMBER_ROWS = (
    (users, ("account_id",)),
    (api_tokens, ("account_id",)),
    (web_sessions, ("account_id",)),
    (oauth_codes, ("account_id",)),
    (connections, ("account_id", "peer_id")),
    (connection_requests, ("account_id", "target_account_id")),
    (blocks, ("account_id", "target_account_id")),
    (mutes, ("account_id", "target_account_id")),
    (account_domain_blocks, ("account_id",)),
    (account_pins, ("account_id", "target_account_id")),
    (endorsements, ("account_id", "target_account_id")),
    (recommendations, ("account_id", "target_account_id")),
    (notifications, ("account_id", "from_account_id")),
    (bookmarks, ("account_id",)),
    (conversation_marks, ("account_id",)),
    (idempotency_keys, ("account_id",)),
    (home_feed, ("account_id",)),
    (web_sessions, ("account_id",)),
    # What events, groups, reasons to talk and imports hold of the member.
    (event_participants, ("account_id",)),
    (event_invites, ("account_id", "invited_by_id")),
    (calendar_feeds, ("account_id",)),
    (group_roles, ("account_id",)),
    (job_changes, ("account_id",)),
    (warmth_dismissals, ("account_id",)),
    (account_aliases, ("account_id",)),
    (linkedin_links, ("account_id",)),
    (linkedin_contacts, ("account_id",)),
    (imported_recommendations, ("account_id",)),
    (profile_extras, ("account_id",)),
    (account_archives, ("account_id",)),
    # Their lists (list_accounts cascade) and their place on others' lists.
    (list_accounts, ("account_id",)),
    (lists, ("account_id",)),
)


async def purge_member(conn: AsyncConnection, account_id: int) -> None:
    """Remove the member rows above (inside the deletion's transaction)."""
    for table, columns in _MEMBER_ROWS:
        named = or_(*(table.c[column] == account_id for column in columns))
        await conn.execute(delete(table).where(named))


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A local member and their role (None once deleted), for the admin's list."""

    account: AccountRow
    role: str | None


def _members_matching(text: str) -> Any:
    """Local members (deleted ones too) whose username or name contains ``text``."""
    where = [accounts.c.domain.is_(None), accounts.c.actor_type == "Person"]
    if text:
        pattern = (
            "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where.append(
            or_(
                accounts.c.username_key.like(pattern, escape="\\"),
                func.lower(accounts.c.display_name).like(pattern, escape="\\"),
            )
        )
    return where


async def find_local_members(
    conn: AsyncConnection, text: str, *, offset: int, limit: int
) -> list[MemberRow]:
    """A page of local members matching ``text``, by username."""
    query = (
        select(accounts, users.c.role)
        .select_from(accounts.outerjoin(users, users.c.account_id == accounts.c.id))
        .where(*_members_matching(text))
        .order_by(accounts.c.username_key)
        .offset(offset)
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings().all()
    return [MemberRow(AccountRow.from_row(r), r["role"]) for r in rows]


async def count_local_members_matching(conn: AsyncConnection, text: str) -> int:
    query = select(func.count()).select_from(accounts).where(*_members_matching(text))
    return int((await conn.execute(query)).scalar_one())


async def get_local_member(conn: AsyncConnection, username: str) -> MemberRow | None:
    query = (
        select(accounts, users.c.role)
        .select_from(accounts.outerjoin(users, users.c.account_id == accounts.c.id))
        .where(
            accounts.c.domain.is_(None),
            accounts.c.actor_type == "Person",
            accounts.c.username_key == username_key(username),
        )
    )
    row = (await conn.execute(query)).mappings().first()
    return MemberRow(AccountRow.from_row(row), row["role"]) if row else None
