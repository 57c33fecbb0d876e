"""Favourites (Like) and boosts (Announce), and undoing them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from server.services import objects
from server.services.context import Services
from server.services.errors import Forbidden, NotFound, ValidationError
from server.services.notify import notify
from server.services.outbox import Recipients, remote_only, send
from server.services.posts import mark_deleted, visible_status
from server.services.stream import status_changed
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import feeds as feeds_q
from server.store import graph as graph_q
from server.store import interactions as q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow


async def _target(
    svc: Services, conn: AsyncConnection, status: StatusRow
) -> tuple[AccountRow, str]:
    author = await accounts_q.get_account(conn, status.account_id)
    assert author is not None
    return author, objects.status_uri(svc, status, author)


async def _original(svc: Services, viewer: AccountRow, status_id: int) -> StatusRow:
    """The status an action applies to: a boost stands for what it boosts."""
    status = await visible_status(svc, viewer, status_id)
    if status.reblog_of_id is not None:
        status = await visible_status(svc, viewer, status.reblog_of_id)
    return status


async def _refuse_across_block(
    conn: AsyncConnection, account: AccountRow, status: StatusRow, what: str
) -> None:
    """No favourite or boost between an account and an author who blocked it, or whom
    it blocked (Mastodon's ``StatusPolicy``); undoing one stays possible."""
    if await connections_q.blocked_either_way(conn, account.id, status.account_id):
        raise Forbidden(f"you cannot {what} this post: one of you has blocked the other")


async def favourite(svc: Services, account: AccountRow, status_id: int) -> StatusRow:
    status = await _original(svc, account, status_id)
    async with svc.db.transaction() as conn:
        await _refuse_across_block(conn, account, status, "favourite")
        if await q.get_favourite(conn, account.id, status.id) is None:
            fav_id = svc.db.new_id()
            uri = svc.urls.like_activity(account.username, fav_id)
            await q.insert_favourite(
                conn,
                fav_id=fav_id,
                account_id=account.id,
                status_id=status.id,
                uri=uri,
                now=svc.now(),
            )
            await statuses_q.adjust_count(conn, status.id, "favourites_count", 1)
            author, object_uri = await _target(svc, conn, status)
            if author.is_local:
                await notify(svc, conn, author.id, "favourite", account.id, status.id)
            else:
                doc = ap.like(
                    uri, objects.account_uri(svc, account), object_uri, to=[author.uri or ""]
                )
                await send(svc, conn, account, doc, Recipients(accounts=[author]))
    svc.wake.deliveries.set()
    return status


async def unfavourite(svc: Services, account: AccountRow, status_id: int) -> StatusRow:
    status = await _original(svc, account, status_id)
    async with svc.db.transaction() as conn:
        fav = await q.get_favourite(conn, account.id, status.id)
        if fav is not None:
            await q.delete_favourite(conn, fav.id)
            await statuses_q.adjust_count(conn, status.id, "favourites_count", -1)
            author, object_uri = await _target(svc, conn, status)
            if not author.is_local:
                actor = objects.account_uri(svc, account)
                liked = ap.like(fav.uri, actor, object_uri, to=[author.uri or ""])
                doc = ap.undo(f"{fav.uri}/undo", actor, liked, to=[author.uri or ""])
                await send(svc, conn, account, doc, Recipients(accounts=[author]))
    svc.wake.deliveries.set()
    return status


async def reblog(
    svc: Services, account: AccountRow, status_id: int, visibility: str = "public"
) -> StatusRow:
    """Boost a post to one's followers; returns the boost."""
    status = await _original(svc, account, status_id)
    if status.visibility not in ("public", "unlisted"):
        raise ValidationError("only public and unlisted posts can be boosted")
    if visibility not in ("public", "unlisted", "private"):
        visibility = "public"
    async with svc.db.transaction() as conn:
        await _refuse_across_block(conn, account, status, "boost")
        boost = await write_reblog(svc, conn, account, status, visibility)
    svc.wake.deliveries.set()
    return boost


async def write_reblog(
    svc: Services, conn: AsyncConnection, account: AccountRow, status: StatusRow, visibility: str
) -> StatusRow:
    """Inside the caller's transaction: ``account`` boosts ``status`` (an existing
    boost is returned as it is); its followers' servers and a remote author get
    the Announce. A group redistributing a post to its members is this too."""
    existing = await statuses_q.find_reblog(conn, account.id, status.id)
    if existing is not None:
        return existing
    boost_id = svc.db.new_id()
    boost = await statuses_q.insert_status(
        conn,
        {
            "id": boost_id,
            "account_id": account.id,
            "local": True,
            "reblog_of_id": status.id,
            "visibility": visibility,
            "created_at": svc.now(),
        },
    )
    await statuses_q.adjust_count(conn, status.id, "reblogs_count", 1)
    readers = [account.id, *await graph_q.local_follower_ids(conn, account.id)]
    await feeds_q.add_to_home_feeds(conn, boost.id, readers)
    await status_changed(svc.stream, conn, "update", boost)
    author, _ = await _target(svc, conn, status)
    if author.is_local and account.actor_type != "Group":
        await notify(svc, conn, author.id, "reblog", account.id, boost.id)
    doc = await objects.announce_document(svc, conn, boost, account)
    assert doc is not None
    await send(svc, conn, account, doc, Recipients(followers=True, accounts=remote_only([author])))
    return boost


async def unreblog(svc: Services, account: AccountRow, status_id: int) -> StatusRow:
    status = await _original(svc, account, status_id)
    async with svc.db.transaction() as conn:
        await write_unreblog(svc, conn, account, status)
    svc.wake.deliveries.set()
    return status


async def write_unreblog(
    svc: Services, conn: AsyncConnection, account: AccountRow, status: StatusRow
) -> bool:
    """Inside the caller's transaction: take ``account``'s boost of ``status``
    back (Undo of the Announce); False when there was none."""
    boost = await statuses_q.find_reblog(conn, account.id, status.id)
    if boost is None:
        return False
    await mark_deleted(svc, conn, boost)
    author, _ = await _target(svc, conn, status)
    announce = await objects.announce_document(svc, conn, boost, account)
    assert announce is not None
    doc = ap.undo(
        f"{announce['id']}/undo",
        announce["actor"],
        announce,
        to=announce["to"],
        cc=announce["cc"],
    )
    await send(svc, conn, account, doc, Recipients(followers=True, accounts=remote_only([author])))
    return True


async def require_status(svc: Services, status_id: int) -> StatusRow:
    async with svc.db.read() as conn:
        status = await statuses_q.get_status(conn, status_id)
    if status is None:
        raise NotFound("Record not found")
    return status
