"""Groups, as FEP-1b12 describes them and Lemmy, Friendica and Guppe run them.

A group is an actor of type ``Group``. Joining is following it (a group that
approves members leaves the follow pending until a moderator answers); a post
addressed to it (mentioned, named in ``to``/``cc``/``audience``, or replying
to a post in it) by a member is recorded as the group's and redistributed:
the group boosts it, so every member's server receives one ``Announce`` per
shared inbox. Groups on other servers are joined and posted to the same way,
and what they announce to us is listed as theirs.

This module makes, shows, joins and leaves groups; ``group_posts`` decides
what a group takes and redistributes, ``group_moderation`` is what its
moderators (the owner, and members the owner names) may do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services import graph
from server.services.context import Services
from server.services.errors import Forbidden, NotFound, ValidationError
from server.services.html import text_to_html
from server.services.members import clean_display_name, create_group_account, validate_username
from server.services.notify import notify
from server.store import accounts as accounts_q
from server.store import graph as graph_q
from server.store import groups as q
from server.store import stats as stats_q
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED, PENDING
from server.store.statuses import Page

MEMBERSHIPS = ("open", "approval")
DESCRIPTION_MAX = 2000


@dataclass(frozen=True, slots=True)
class GroupDraft:
    name: str
    display_name: str = ""
    description: str = ""
    membership: str = "open"


@dataclass(frozen=True, slots=True)
class GroupView:
    """A group as a viewer sees it."""

    account: AccountRow
    members_count: int
    my_membership: str | None  # member, moderator, pending or None
    my_role: str | None  # owner, moderator or None
    pending_count: int | None = None  # only for its moderators

    @property
    def membership(self) -> str:
        return "approval" if self.account.locked else "open"


def _check(draft: GroupDraft) -> None:
    if draft.membership not in MEMBERSHIPS:
        raise ValidationError(
            f"membership must be one of {', '.join(MEMBERSHIPS)}", field="membership"
        )
    if len(draft.description) > DESCRIPTION_MAX:
        raise ValidationError(
            f"description must be at most {DESCRIPTION_MAX} characters", field="description"
        )


async def create_group(svc: Services, creator: AccountRow, draft: GroupDraft) -> GroupView:
    """A new group on this server; its creator is its owner and first member."""
    _check(draft)
    now = svc.now()

    async def make(conn: AsyncConnection, group_id: int) -> None:
        await q.insert_group(conn, group_id, creator.id, now)
        await graph_q.insert_follow(
            conn,
            {
                "id": svc.db.new_id(),
                "account_id": creator.id,
                "target_account_id": group_id,
                "state": ACCEPTED,
                "uri": svc.urls.follow_activity(creator.username, svc.db.new_id()),
                "created_at": now,
            },
        )

    try:
        validate_username(draft.name)
    except ValidationError as bad:
        raise ValidationError(bad.message.replace("username", "name"), field="name") from None
    group = await create_group_account(
        svc.db,
        draft.name,
        display_name=draft.display_name or draft.name,
        summary_html=text_to_html(draft.description),
        locked=draft.membership == "approval",
        now=now,
        then=make,
    )
    return (await views(svc, creator, [group]))[0]


async def edit_group(
    svc: Services, moderator: AccountRow, group_id: int, draft: GroupDraft
) -> GroupView:
    """New name, description or membership; members' servers get an Update."""
    from server.services.actors import send_update  # actors imports members: import late

    _check(draft)
    group = await get_group(svc, group_id)
    async with svc.db.transaction() as conn:
        await require_moderator(conn, group, moderator)
        await svc.keyring.for_account(group.id, group.username)
        values: dict[str, Any] = {
            "display_name": clean_display_name(draft.display_name) or group.display_name,
            "summary": text_to_html(draft.description),
            "locked": draft.membership == "approval",
            "updated_at": svc.now(),
        }
        await accounts_q.update_account(conn, group.id, values)
        changed = await accounts_q.get_account(conn, group.id)
        assert changed is not None
        if group.locked and not changed.locked:
            await _accept_all_waiting(svc, conn, changed)
        await send_update(svc, conn, changed)
    svc.wake.deliveries.set()
    return (await views(svc, moderator, [changed]))[0]


async def get_group(svc: Services, group_id: int) -> AccountRow:
    async with svc.db.read() as conn:
        account = await accounts_q.get_account(conn, group_id)
    if account is None or account.actor_type != "Group" or account.suspended_at is not None:
        raise NotFound("There is no such group")
    return account


async def views(
    svc: Services, viewer: AccountRow | None, groups: Iterable[AccountRow]
) -> list[GroupView]:
    found = list(groups)
    ids = [g.id for g in found]
    async with svc.db.read() as conn:
        counts = await stats_q.get_stats(conn, ids)
        mine = await q.membership_states(conn, viewer.id, ids) if viewer else {}
        out = []
        for group in found:
            state = mine.get(group.id)
            role = state if state in q.ROLES else None
            pending = await q.count_pending(conn, group.id) if role else None
            out.append(
                GroupView(
                    account=group,
                    members_count=counts[group.id].followers,
                    my_membership="moderator" if role else state,
                    my_role=role,
                    pending_count=pending,
                )
            )
    return out


async def view(svc: Services, viewer: AccountRow | None, group_id: int) -> GroupView:
    return (await views(svc, viewer, [await get_group(svc, group_id)]))[0]


async def my_groups(
    svc: Services, me: AccountRow, page: Page, *, state: str = ACCEPTED
) -> list[tuple[int, GroupView]]:
    """The groups ``me`` belongs to (``state=PENDING``: asked to join), with the
    paging cursor."""
    async with svc.db.read() as conn:
        found = await q.groups_of(conn, me.id, page, state=state)
    shown = await views(svc, me, [g for _, g in found])
    return [(cursor, v) for (cursor, _), v in zip(found, shown, strict=True)]


async def directory(
    svc: Services, viewer: AccountRow | None, *, limit: int, offset: int
) -> list[GroupView]:
    """This server's groups, the biggest first."""
    async with svc.db.read() as conn:
        found = await q.local_directory(conn, limit=limit, offset=offset)
    return await views(svc, viewer, found)


# --- joining and leaving -----------------------------------------------------------------------


async def join(svc: Services, member: AccountRow, group_id: int) -> GroupView:
    """Join (follow) a group: at once for an open group here, as a request for one
    that approves members, and as a Follow to a group elsewhere."""
    group = await get_group(svc, group_id)
    await graph.follow(svc, member, group)
    return (await views(svc, member, [group]))[0]


async def leave(svc: Services, member: AccountRow, group_id: int) -> GroupView:
    group = await get_group(svc, group_id)
    async with svc.db.transaction() as conn:
        await graph.check_may_leave(conn, member, group)
        await graph.write_unfollow(svc, conn, member, group)
    svc.wake.deliveries.set()
    return (await views(svc, member, [group]))[0]


async def members(
    svc: Services, viewer: AccountRow | None, group_id: int, page: Page, *, state: str = ACCEPTED
) -> list[tuple[int, AccountRow, str | None]]:
    """A group's members (``state=PENDING``: those asking to join, for moderators),
    with their role. Members of a group that approves members are shown to its
    members; of a group elsewhere, we know only those from here."""
    group = await get_group(svc, group_id)
    async with svc.db.read() as conn:
        mine = await q.membership_states(conn, viewer.id, [group.id]) if viewer else {}
        if state == PENDING and mine.get(group.id) not in q.ROLES:
            raise Forbidden("Only the group's moderators see who asks to join")
        if group.locked and mine.get(group.id) in (None, "pending"):
            raise Forbidden("Only this group's members see who else is in it")
        found = await graph_q.list_related(conn, group.id, page, direction="followers", state=state)
        roles = await q.roles(conn, group.id) if group.is_local else {}
    return [(cursor, account, roles.get(account.id)) for cursor, account in found]


async def require_moderator(conn: AsyncConnection, group: AccountRow, me: AccountRow) -> str:
    if not group.is_local:
        raise Forbidden("This group is moderated on its own server")
    role = await q.role_of(conn, group.id, me.id)
    if role is None:
        raise Forbidden("Only the group's moderators may do this")
    return role


async def _accept_all_waiting(svc: Services, conn: AsyncConnection, group: AccountRow) -> None:
    while waiting := await graph_q.list_related(
        conn, group.id, Page(limit=500), direction="followers", state=PENDING
    ):
        for _, requester in waiting:
            row = await graph_q.get_follow(conn, requester.id, group.id)
            assert row is not None
            await graph.write_answer(svc, conn, group, requester, row, accept=True)
            if requester.is_local:
                await notify(svc, conn, requester.id, "warmline.group_accepted", group.id,
                             subject_id=group.id)  # fmt: skip


async def postable(svc: Services, author: AccountRow, group_id: int) -> AccountRow:
    """The group ``author`` may post to (``group_id`` on a post or an event)."""
    group = await get_group(svc, group_id)
    async with svc.db.read() as conn:
        follow = await graph_q.get_follow(conn, author.id, group.id)
        role = await q.role_of(conn, group.id, author.id) if group.is_local else None
    if role is None and (follow is None or follow.state != ACCEPTED):
        raise Forbidden("Join the group to post in it")
    return group


async def groups_of_post(svc: Services, status_id: int) -> list[AccountRow]:
    """The groups (here or elsewhere) a post is in."""
    async with svc.db.read() as conn:
        ids = await q.groups_of_status(conn, status_id)
        found = [await accounts_q.get_account(conn, i) for i in ids]
    return [g for g in found if g is not None and g.suspended_at is None]
