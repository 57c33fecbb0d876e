"""Notifications for local members.

Every notification is made here, whichever door the deed came through, so the
rule that a block silences the blocked account holds in one place: nothing
passes between two accounts when either blocks the other (Mastodon's
``NotifyService`` drops them too)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services.context import Services
from server.services.stream import NotificationEvent
from server.store import account_domain_blocks as domain_blocks_q
from server.store import connections as connections_q
from server.store import interactions as q

TYPES = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update")
# Warmline's own notification types ("warmline." + what happened); standard
# clients ignore types they do not know. ``subject_id`` names the row it is about.
WARMLINE_TYPES = (
    "warmline.connection_request",
    "warmline.connection_accepted",
    "warmline.connection_moved",  # a connection moved: connected with their new account
    "warmline.introduction_request",
    "warmline.introduction_forwarded",
    "warmline.introduction_accepted",
    "warmline.introduction_declined",
    "warmline.introduction_withdrawn",
    "warmline.endorsement",
    "warmline.recommendation",
    "warmline.recommendation_approved",
    # About an event (``status_id`` is the event's post): invited to it, someone
    # answered (to the organiser), its time or place changed, it was cancelled,
    # a place was confirmed (approved, or moved up from the waiting list), it
    # starts within a day.
    "warmline.event_invite",
    "warmline.event_rsvp",
    "warmline.event_changed",
    "warmline.event_cancelled",
    "warmline.event_confirmed",
    "warmline.event_reminder",
    # About a group (``subject_id`` is the group's account): someone asks to join
    # a group one moderates; one's request to join was accepted (from the group).
    "warmline.group_request",
    "warmline.group_accepted",
)


async def notify(
    svc: Services,
    conn: AsyncConnection,
    account_id: int,
    type_: str,
    from_account_id: int,
    status_id: int | None = None,
    *,
    subject_id: int | None = None,
) -> None:
    """Tell ``account_id`` about something ``from_account_id`` did; never about
    one's own actions, nor about what an account blocked either way (or on a
    server the member blocks, unless they follow it) did. The
    caller makes sure ``account_id`` is a local member."""
    if account_id == from_account_id:
        return
    if await connections_q.blocked_either_way(conn, account_id, from_account_id):
        return
    if await domain_blocks_q.blocking_domain_of(conn, account_id, from_account_id):
        return  # from a server the member blocks (and an account they do not follow)
    row = q.NotificationRow(
        svc.db.new_id(), account_id, type_, from_account_id, status_id, subject_id, svc.now()
    )
    await q.insert_notification(
        conn,
        notification_id=row.id,
        account_id=account_id,
        type_=type_,
        from_account_id=from_account_id,
        status_id=status_id,
        now=row.created_at,
        subject_id=subject_id,
    )
    svc.stream.after_commit(conn, NotificationEvent(row))


async def notify_follow(
    svc: Services, conn: AsyncConnection, target_id: int, follower_id: int, *, accepted: bool
) -> None:
    """A new follower, or (for a member who approves by hand) a follow request."""
    await notify(svc, conn, target_id, "follow" if accepted else "follow_request", follower_id)
