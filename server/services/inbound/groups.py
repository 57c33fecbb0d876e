"""What groups elsewhere announce to us (FEP-1b12).

A group redistributes the activities made in it by announcing them: Guppe,
Friendica and Mastodon-style servers announce the post itself, Lemmy and Mbin
announce the ``Create`` (or the ``Delete`` of a removal) that was sent to the
group. An embedded activity proves nothing by itself: a post is fetched from
its own origin before it is shown, and a removal only takes the post out of
that group's list (the signer is the group, whose list it is).
"""

from __future__ import annotations

from typing import Any

from federation.errors import FetchError
from federation.vocab import get_id, has_type
from server.services import group_posts
from server.services.context import Services
from server.services.posts import mark_deleted
from server.store import accounts as accounts_q
from server.store import groups as groups_q
from server.store import statuses as q

POST = "post"
REMOVAL = "removal"
UPDATE = "update"
# What Lemmy and Mbin announce besides posts (votes, edits, featuring a post,
# naming a moderator, banning a user): none of them is a post to fetch.
ACTIVITIES = (
    "Create", "Delete", "Remove", "Update", "Like", "Dislike", "Undo", "Follow", "Add", "Block",
)  # fmt: skip


def announced(obj: Any) -> tuple[str | None, str | None]:
    """``(kind, uri)``: a post (its id, as announced or inside the announced
    Create), a removal (the id of the post a Delete, or a Remove from no
    collection, names), a change (the id of the post an Update names), or
    ``(None, None)`` for anything else a group may announce (likes, featuring
    a post)."""
    if not isinstance(obj, dict) or not has_type(obj, *ACTIVITIES):
        return POST, get_id(obj)
    if has_type(obj, "Create"):
        return POST, get_id(obj.get("object"))
    # A Remove with a target takes something out of that collection (Lemmy's
    # featured posts, its moderators): the post stays in the group.
    if has_type(obj, "Delete") or (has_type(obj, "Remove") and obj.get("target") is None):
        return REMOVAL, get_id(obj.get("object"))
    if has_type(obj, "Update"):
        return UPDATE, get_id(obj.get("object"))
    return None, None


async def is_in_group(svc: Services, uri: str, actor: str) -> bool:
    """Whether the remote post ``uri`` is known here as in the group ``actor``."""
    if svc.urls.local_status_id(uri) is not None:
        return False  # ours: we know better than any group what it says
    async with svc.db.read() as conn:
        group = await accounts_q.get_account_by_uri(conn, actor)
        status = await q.get_status_by_uri(conn, uri)
        if group is None or status is None or status.deleted_at is not None:
            return False
        return group.id in await groups_q.groups_of_status(conn, status.id)


async def _gone_at_origin(svc: Services, uri: str) -> bool:
    """Whether the post's own server says it is gone (404, 410 or a Tombstone):
    an author's Delete relayed by a group is believed only from the origin."""
    try:
        _, raw = await svc.remote.fetch_document(uri)
    except FetchError as exc:
        if exc.retryable:
            raise
        return exc.status in (404, 410)
    return has_type(raw, "Tombstone")


async def on_removal(svc: Services, uri: str, actor: str) -> None:
    """A group announced that a post was deleted or removed: out of its list,
    and the group's boost of it withdrawn (as when it takes its Announce back).
    If its author deleted it (Lemmy sends the Delete to the community only), the
    origin says so, and the post is deleted here too."""
    gone = await is_in_group(svc, uri, actor) and await _gone_at_origin(svc, uri)
    async with svc.db.transaction() as conn:
        group = await accounts_q.get_account_by_uri(conn, actor)
        if group is None or group.actor_type != "Group":
            return
        local_id = svc.urls.local_status_id(uri)
        status = (
            await q.get_status(conn, local_id) if local_id else await q.get_status_by_uri(conn, uri)
        )
        if status is None:
            return
        await group_posts.withdrawn_by_group(svc, conn, group, status.id)
        boost = await q.find_reblog(conn, group.id, status.id)
        if boost is not None:  # the group's boost goes from its members' feeds too
            await mark_deleted(svc, conn, boost)
        if gone and status.deleted_at is None:
            await mark_deleted(svc, conn, status)
