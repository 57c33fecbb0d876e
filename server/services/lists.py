"""Mastodon's lists: a member's named lists of accounts they follow, each with
its own timeline.

The rules are Mastodon's: at most ``MAX_LISTS`` lists, a title is needed (at
most 200 characters), only accounts the member follows (an accepted follow)
can be added, adding one twice changes nothing, and unfollowing (or blocking)
an account takes it off the member's lists (``store/graph.delete_follow``, in
the same transaction). An ``exclusive`` list's accounts leave the member's home
timeline and ``user`` stream (Mastodon 4.2).
Someone else's list answers as if it did not exist.
"""

from __future__ import annotations

from server.services.context import Services
from server.services.errors import NotFound, ValidationError
from server.store import accounts as accounts_q
from server.store import graph as graph_q
from server.store import lists as q
from server.store.accounts import AccountRow
from server.store.exclusions import Excluding
from server.store.graph import ACCEPTED
from server.store.lists import ListRow
from server.store.statuses import Page, StatusRow

MAX_LISTS = 50
MAX_TITLE = 200
MAX_ACCOUNTS_AT_ONCE = 250
REPLIES_POLICIES = ("followed", "list", "none")


def _title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError("Validation failed: Title can't be blank", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationError(
            f"Validation failed: Title is too long (at most {MAX_TITLE} characters)", field="title"
        )
    return title


def _policy(policy: str | None, default: str) -> str:
    if policy is None or policy == "":
        return default
    if policy not in REPLIES_POLICIES:
        raise ValidationError(
            "replies_policy must be one of followed, list, none", field="replies_policy"
        )
    return policy


async def all_lists(svc: Services, me: AccountRow) -> list[ListRow]:
    async with svc.db.read() as conn:
        return await q.owned_lists(conn, me.id)


async def get(svc: Services, me: AccountRow, list_id: int) -> ListRow:
    """The member's list; someone else's (or none) is a 404."""
    async with svc.db.read() as conn:
        found = await q.get_list(conn, me.id, list_id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def create(
    svc: Services,
    me: AccountRow,
    title: str | None,
    *,
    replies_policy: str | None = None,
    exclusive: bool = False,
) -> ListRow:
    row = ListRow(
        id=svc.db.new_id(),
        account_id=me.id,
        title=_title(title),
        replies_policy=_policy(replies_policy, "list"),
        exclusive=exclusive,
        created_at=svc.now(),
    )
    async with svc.db.transaction() as conn:
        if await q.count_lists(conn, me.id) >= MAX_LISTS:
            raise ValidationError(f"You cannot have more than {MAX_LISTS} lists")
        await q.create_list(conn, row)
    return row


async def update(
    svc: Services,
    me: AccountRow,
    list_id: int,
    *,
    title: str | None = None,
    replies_policy: str | None = None,
    exclusive: bool | None = None,
) -> ListRow:
    """Change what is given (Mastodon's PUT changes only the parameters sent)."""
    async with svc.db.transaction() as conn:
        found = await q.get_list(conn, me.id, list_id)
        if found is None:
            raise NotFound("Record not found")
        values: dict[str, object] = {}
        if title is not None:
            values["title"] = _title(title)
        if replies_policy is not None:
            values["replies_policy"] = _policy(replies_policy, found.replies_policy)
        if exclusive is not None:
            values["exclusive"] = exclusive
        if values:
            await q.update_list(conn, found.id, **values)
        return await q.get_list(conn, me.id, list_id) or found


async def delete(svc: Services, me: AccountRow, list_id: int) -> None:
    async with svc.db.transaction() as conn:
        found = await q.get_list(conn, me.id, list_id)
        if found is None:
            raise NotFound("Record not found")
        await q.delete_list(conn, found.id)


async def members(
    svc: Services, me: AccountRow, list_id: int, page: Page | None
) -> list[tuple[int, AccountRow]]:
    """The list's accounts (a page of them, or all when ``page`` is None)."""
    found = await get(svc, me, list_id)
    async with svc.db.read() as conn:
        return await q.list_members(conn, found.id, page)


def _some(account_ids: list[int]) -> list[int]:
    if not account_ids:
        raise ValidationError("account_ids must name at least one account", field="account_ids")
    if len(account_ids) > MAX_ACCOUNTS_AT_ONCE:
        raise ValidationError(
            f"at most {MAX_ACCOUNTS_AT_ONCE} accounts at once", field="account_ids"
        )
    return list(dict.fromkeys(account_ids))


async def add_accounts(svc: Services, me: AccountRow, list_id: int, account_ids: list[int]) -> None:
    """Add accounts the member follows; any other one refuses the whole request
    (422, as Mastodon: "You must follow this account first")."""
    wanted = _some(account_ids)
    async with svc.db.transaction() as conn:
        found = await q.get_list(conn, me.id, list_id)
        if found is None:
            raise NotFound("Record not found")
        known = await accounts_q.get_accounts(conn, wanted)
        for account_id in wanted:
            if account_id not in known:
                raise NotFound("Record not found")
            follow = await graph_q.get_follow(conn, me.id, account_id)
            if follow is None or follow.state != ACCEPTED:
                raise ValidationError(
                    f"You must follow @{known[account_id].username} first to add them to a list",
                    field="account_ids",
                )
        await q.add_accounts(conn, found.id, wanted, svc.now())


async def remove_accounts(
    svc: Services, me: AccountRow, list_id: int, account_ids: list[int]
) -> None:
    wanted = _some(account_ids)
    async with svc.db.transaction() as conn:
        found = await q.get_list(conn, me.id, list_id)
        if found is None:
            raise NotFound("Record not found")
        await q.remove_accounts(conn, found.id, wanted)


async def containing(svc: Services, me: AccountRow, account_id: int) -> list[ListRow]:
    """The member's lists that hold ``account_id``."""
    async with svc.db.read() as conn:
        return await q.lists_with_account(conn, me.id, account_id)


async def timeline(svc: Services, me: AccountRow, list_id: int, page: Page) -> list[StatusRow]:
    found = await get(svc, me, list_id)
    async with svc.db.read() as conn:
        return await q.list_timeline(conn, found, page, Excluding(me.id, svc.now()))


async def entries(svc: Services, me: AccountRow) -> list[tuple[ListRow, AccountRow]]:
    """Every (list, account) pair of the member (the CSV export)."""
    async with svc.db.read() as conn:
        return await q.all_entries(conn, me.id)
