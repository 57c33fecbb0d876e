"""Incoming Like, Announce and Undo."""

from __future__ import annotations

import logging
from typing import Any

from federation.client import same_origin
from federation.errors import FetchError
from federation.jsonld import compact_inbound
from federation.validate import validate
from federation.vocab import get_id, get_ids, has_type
from server.services import group_posts
from server.services.context import Services
from server.services.inbound import endorsements, groups
from server.services.inbound.notes import NOTE_TYPES, apply_update, store_note
from server.services.notify import notify
from server.services.posts import can_see, mark_deleted
from server.services.stream import status_changed
from server.store import accounts as accounts_q
from server.store import feeds as feeds_q
from server.store import graph as graph_q
from server.store import interactions as interactions_q
from server.store import statuses as q
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow

log = logging.getLogger(__name__)


async def _known_status(svc: Services, uri: str) -> StatusRow | None:
    async with svc.db.read() as conn:
        local_id = svc.urls.local_status_id(uri)
        status = (
            await q.get_status(conn, local_id) if local_id else await q.get_status_by_uri(conn, uri)
        )
    if status is None or status.deleted_at is not None or status.reblog_of_id is not None:
        return None
    return status


async def on_like(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """A like of one of our posts (likes of remote posts are not ours to count)."""
    like_uri = get_id(doc.get("id"))
    target = get_id(doc.get("object"))
    status = await _known_status(svc, target) if target else None
    if like_uri is None or status is None or not status.local:
        return
    liker = await svc.remote.fetch_actor(actor)
    async with svc.db.transaction() as conn:
        if not await can_see(conn, liker, status):
            return  # a followers-only post liked by someone who cannot see it
        if await interactions_q.get_favourite(conn, liker.id, status.id) is not None:
            return
        await interactions_q.insert_favourite(
            conn,
            fav_id=svc.db.new_id(),
            account_id=liker.id,
            status_id=status.id,
            uri=like_uri,
            now=svc.now(),
        )
        await q.adjust_count(conn, status.id, "favourites_count", 1)
        await notify(svc, conn, status.account_id, "favourite", liker.id, status.id)


async def fetch_post(svc: Services, uri: str) -> tuple[dict[str, Any], AccountRow] | None:
    """A post and its author, fetched from the post's own origin: an embedded
    copy proves nothing. None when what is there is not a post on that origin."""
    final_url, raw = await svc.remote.fetch_document(uri)
    validate("object", raw)
    obj = compact_inbound(raw)
    object_id = get_id(obj.get("id"))
    if not has_type(obj, *NOTE_TYPES) or not object_id or not same_origin(object_id, final_url):
        log.info("object %s is not a post on its own origin", uri)
        return None
    authors = get_ids(obj.get("attributedTo"))
    if not authors or not same_origin(authors[0], object_id):
        return None
    return obj, await svc.remote.fetch_actor(authors[0])


async def _fetch_boosted(svc: Services, uri: str) -> StatusRow | None:
    found = await fetch_post(svc, uri)
    return None if found is None else await store_note(svc, found[0], found[1], force=True)


async def on_announce(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """A boost: of our post (notify its author), or of any post our members can
    see; from a group, a post in that group (or its removal)."""
    announce_uri = get_id(doc.get("id"))
    kind, target = groups.announced(doc.get("object"))
    if not announce_uri or not target:
        return
    if kind == groups.REMOVAL:
        await groups.on_removal(svc, target, actor)
        return
    if kind == groups.UPDATE:
        await _on_group_update(svc, doc, target, actor)
        return
    booster = await svc.remote.fetch_actor(actor)
    async with svc.db.read() as conn:
        if await q.get_status_by_uri(conn, announce_uri) is not None:
            return
        followers = await graph_q.local_follower_ids(conn, booster.id)
    status = await _known_status(svc, target)
    if status is None and followers:
        try:
            status = await _fetch_boosted(svc, target)
        except FetchError as exc:
            if exc.retryable:
                raise
            log.info("cannot fetch boosted %s: %s", target, exc)
    if status is None or status.visibility not in ("public", "unlisted"):
        return
    async with svc.db.transaction() as conn:
        if await q.find_reblog(conn, booster.id, status.id) is not None:
            return  # boosted again under a new id: one boost per account, as Mastodon keeps
        boost_id = svc.db.new_id()
        boost = await q.insert_status(
            conn,
            {
                "id": boost_id,
                "account_id": booster.id,
                "local": False,
                "uri": announce_uri,
                "reblog_of_id": status.id,
                "visibility": "public",
                "created_at": svc.now(),
            },
        )
        await q.adjust_count(conn, status.id, "reblogs_count", 1)
        await feeds_q.add_to_home_feeds(conn, boost_id, followers)
        await status_changed(svc.stream, conn, "update", boost)
        if status.local and booster.actor_type != "Group":
            await notify(svc, conn, status.account_id, "reblog", booster.id, boost_id)
        if booster.actor_type == "Group":
            await group_posts.announced_by_group(svc, conn, booster, status)


async def _on_group_update(svc: Services, doc: dict[str, Any], uri: str, actor: str) -> None:
    """A group announced that a post in it changed: read it again from its origin."""
    if not await groups.is_in_group(svc, uri, actor):
        return
    try:
        found = await fetch_post(svc, uri)
    except FetchError as exc:
        if exc.retryable:
            raise
        log.info("cannot fetch updated %s: %s", uri, exc)
        return
    if found is not None:
        await apply_update(svc, found[0], found[1], doc["object"])


async def on_undo(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """Undo of a Follow, Like or Announce (the door checked it is the actor's own)."""
    undone = get_id(doc.get("object"))
    if not undone or await endorsements.on_undo(svc, doc, actor):
        return
    async with svc.db.transaction() as conn:
        account = await accounts_q.get_account_by_uri(conn, actor)
        if account is None:
            return
        follow = await graph_q.get_follow_by_uri(conn, undone)
        if follow is not None and follow.account_id == account.id:
            await graph_q.delete_follow(conn, follow.id)
            return
        like = await interactions_q.get_favourite_by_uri(conn, undone)
        if like is not None and like.account_id == account.id:
            await interactions_q.delete_favourite(conn, like.id)
            await q.adjust_count(conn, like.status_id, "favourites_count", -1)
            return
        boost = await q.get_status_by_uri(conn, undone)
        if (
            boost is not None
            and boost.account_id == account.id
            and boost.reblog_of_id
            and not boost.deleted_at
        ):
            await mark_deleted(svc, conn, boost)
            if account.actor_type == "Group":
                await group_posts.withdrawn_by_group(svc, conn, account, boost.reblog_of_id)
