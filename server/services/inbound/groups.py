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

from federation.vocab import get_id, has_type
from server.services import group_posts
from server.services.context import Services
from server.store import accounts as accounts_q
from server.store import statuses as q

POST = "post"
REMOVAL = "removal"


def announced(obj: Any) -> tuple[str | None, str | None]:
    """``(kind, uri)``: a post (its id, as announced or inside the announced
    Create), a removal (the id of the post a Delete or Remove names), or
    ``(None, None)`` for anything else a group may announce (likes, updates)."""
    if not isinstance(obj, dict) or not has_type(
        obj, "Create", "Delete", "Remove", "Update", "Like", "Dislike", "Undo", "Follow"
    ):
        return POST, get_id(obj)
    if has_type(obj, "Create"):
        return POST, get_id(obj.get("object"))
    if has_type(obj, "Delete", "Remove"):
        return REMOVAL, get_id(obj.get("object"))
    return None, None


async def on_removal(svc: Services, uri: str, actor: str) -> None:
    """A group announced that a post was deleted or removed: out of its list."""
    async with svc.db.transaction() as conn:
        group = await accounts_q.get_account_by_uri(conn, actor)
        if group is None or group.actor_type != "Group":
            return
        local_id = svc.urls.local_status_id(uri)
        status = (
            await q.get_status(conn, local_id) if local_id else await q.get_status_by_uri(conn, uri)
        )
        if status is not None:
            await group_posts.withdrawn_by_group(svc, conn, group, status.id)
