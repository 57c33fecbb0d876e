"""Mastodon API entities (Account, Status, Notification, Relationship).

A ``Presenter`` loads everything a page of results needs in a few batched
queries (authors, boosted posts, mentions, tags, counts, the viewer's own
favourites and boosts) and then shapes each entity the way the Mastodon
documentation describes it: string ids, ``YYYY-MM-DDTHH:MM:SS.sssZ`` dates.
"""

from __future__ import annotations

import html
import zoneinfo
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from server.api.media import attachment
from server.services import events, objects
from server.services.context import Services
from server.services.graph import Relationship
from server.services.html import strip_html
from server.store import accounts as accounts_q
from server.store import events as events_q
from server.store import interactions as interactions_q
from server.store import media as media_q
from server.store import moves as moves_q
from server.store import stats as stats_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.events import EventRow
from server.store.interactions import NotificationRow
from server.store.stats import Stats
from server.store.statuses import StatusRow


def date(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


class Presenter:
    """Shapes entities for one viewer (or an anonymous one)."""

    def __init__(self, svc: Services, viewer: AccountRow | None) -> None:
        self.svc = svc
        self.viewer = viewer
        self.accounts: dict[int, AccountRow] = {}
        self.statuses: dict[int, StatusRow] = {}
        self.stats: dict[int, Stats] = {}
        self.mentions: dict[int, list[int]] = {}
        self.tags: dict[int, list[str]] = {}
        self.media: dict[int, list[media_q.MediaRow]] = {}
        self.events: dict[int, EventRow] = {}
        self.moved: dict[int, int] = {}  # account id -> the account it moved to
        self.favourited: set[int] = set()
        self.bookmarked: set[int] = set()
        self.reblogged: set[int] = set()

    async def load(
        self, statuses: Sequence[StatusRow] = (), account_ids: Sequence[int] = ()
    ) -> Presenter:
        async with self.svc.db.read() as conn:
            for s in statuses:
                self.statuses[s.id] = s
            boosted = [
                s.reblog_of_id
                for s in statuses
                if s.reblog_of_id and s.reblog_of_id not in self.statuses
            ]
            self.statuses.update(await statuses_q.get_statuses(conn, boosted))
            ids = list(self.statuses)
            self.mentions.update(await statuses_q.mentioned_accounts(conn, ids))
            self.tags.update(await statuses_q.status_tag_names(conn, ids))
            self.media.update(await media_q.for_statuses(conn, ids))
            event_ids = [i for i in ids if self.statuses[i].object_type == "Event"]
            self.events.update(await events_q.get_events(conn, event_ids))
            wanted = {*account_ids, *(s.account_id for s in self.statuses.values())}
            wanted |= {a for people in self.mentions.values() for a in people}
            self.accounts.update(await accounts_q.get_accounts(conn, wanted - set(self.accounts)))
            self.moved.update(await moves_q.moves_of(conn, list(self.accounts)))
            targets = set(self.moved.values()) - set(self.accounts)
            self.accounts.update(await accounts_q.get_accounts(conn, targets))
            people = list(self.accounts)
            self.stats.update(await stats_q.get_stats(conn, people))
            if self.viewer is not None:
                marks = await interactions_q.viewer_marks(conn, self.viewer.id, ids)
                self.favourited |= marks.favourited
                self.bookmarked |= marks.bookmarked
                self.reblogged |= marks.reblogged
        return self

    def account(
        self,
        account: AccountRow,
        *,
        source: bool = False,
        detail: bool = False,
        with_moved: bool = True,
    ) -> dict[str, Any]:
        """The Account entity; ``detail`` adds the whole professional profile
        (account pages), ``source`` the owner's own settings (implies ``detail``)."""
        svc = self.svc
        counts = self.stats.get(account.id, Stats())
        avatar = svc.urls.avatar(account.avatar_url)
        header = svc.urls.local(account.header_url)
        entity: dict[str, Any] = {
            "id": str(account.id),
            "username": account.username,
            "acct": objects.acct(svc, account),
            "display_name": account.display_name,
            "locked": account.locked,
            "bot": account.actor_type in ("Service", "Application"),
            "discoverable": account.discoverable,
            "group": account.actor_type == "Group",
            "created_at": date(
                account.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
            ),
            "note": account.summary,
            "url": objects.profile_url(svc, account),
            "uri": objects.account_uri(svc, account),
            "avatar": avatar,
            "avatar_static": avatar,
            "header": header,
            "header_static": header,
            "followers_count": counts.followers,
            "following_count": counts.following,
            "statuses_count": counts.statuses,
            "last_status_at": counts.last_status_at.strftime("%Y-%m-%d")
            if counts.last_status_at
            else None,
            "emojis": [],
            "fields": [
                {"name": f["name"], "value": f["value"], "verified_at": None}
                for f in account.fields
            ],
            "warmline": warmline_profile(account, detail=detail or source),
        }
        target = self.accounts.get(self.moved.get(account.id, 0))
        if target is not None and with_moved:  # Mastodon's "moved": where it went
            entity["moved"] = self.account(target, with_moved=False)
        if source:
            entity["source"] = {
                "privacy": "public",
                "sensitive": False,
                "language": None,
                "note": strip_html(
                    account.summary.replace("</p><p>", "\n\n").replace("<br>", "\n")
                ),
                "fields": [
                    {"name": f["name"], "value": strip_html(f["value"]), "verified_at": None}
                    for f in account.fields
                ],
                "follow_requests_count": 0,
                "warmline": {"connections_visibility": account.connections_visibility},
            }
        return entity

    def status(self, status: StatusRow) -> dict[str, Any]:
        svc = self.svc
        author = self.accounts[status.account_id]
        reblog = self.statuses.get(status.reblog_of_id) if status.reblog_of_id else None
        mentioned = [
            self.accounts[a] for a in self.mentions.get(status.id, []) if a in self.accounts
        ]
        return {
            "id": str(status.id),
            "uri": objects.status_uri(svc, status, author),
            "url": objects.status_url(svc, status, author) if not status.reblog_of_id else None,
            "created_at": date(status.created_at),
            "account": self.account(author),
            "content": "" if reblog else event_heading(self.events.get(status.id)) + status.content,
            "visibility": status.visibility,
            "sensitive": status.sensitive,
            "spoiler_text": status.spoiler_text,
            "media_attachments": [attachment(svc, m) for m in self.media.get(status.id, [])],
            "application": None,
            "mentions": [
                {
                    "id": str(a.id),
                    "username": a.username,
                    "url": objects.profile_url(svc, a),
                    "acct": objects.acct(svc, a),
                }
                for a in mentioned
            ],
            "tags": [{"name": t, "url": svc.urls.tag(t)} for t in self.tags.get(status.id, [])],
            "emojis": [],
            "reblogs_count": status.reblogs_count,
            "favourites_count": status.favourites_count,
            "replies_count": status.replies_count,
            "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
            "in_reply_to_account_id": str(status.in_reply_to_account_id)
            if status.in_reply_to_account_id
            else None,
            "reblog": self.status(reblog)
            if reblog and reblog.account_id in self.accounts
            else None,
            "poll": None,
            "card": None,
            "language": status.language,
            "text": None,
            "edited_at": date(status.edited_at),
            "favourited": status.id in self.favourited,
            "reblogged": status.id in self.reblogged,
            "muted": False,
            "bookmarked": status.id in self.bookmarked,
            "pinned": False,
            "filtered": [],
        }

    def notification(self, row: NotificationRow) -> dict[str, Any]:
        status = self.statuses.get(row.status_id) if row.status_id else None
        entity = {
            "id": str(row.id),
            "type": row.type,
            "created_at": date(row.created_at),
            "account": self.account(self.accounts[row.from_account_id]),
            "status": self.status(status) if status else None,
        }
        if row.subject_id is not None:  # a Warmline notification: what it is about
            entity["warmline"] = {"subject_id": str(row.subject_id)}
        return entity


def warmline_profile(account: AccountRow, *, detail: bool) -> dict[str, Any]:
    """The ``warmline`` key: the essentials everywhere, the whole profile on account pages."""
    profile: dict[str, Any] = {
        "headline": account.headline,
        "industry": account.industry,
        "location": account.location,
        "open_to": account.open_to,
    }
    if detail:
        profile.update(
            experience=account.experience,
            education=account.education,
            skills=account.skills,
            links=account.links,
            accepts_introductions=account.accepts_introductions,
        )
    return profile


def relationship(rel: Relationship) -> dict[str, Any]:
    return {
        "id": str(rel.id),
        "following": rel.following,
        "showing_reblogs": rel.following,
        "notifying": False,
        "languages": None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": rel.muting,
        "muting_notifications": rel.muting_notifications,
        "requested": rel.requested,
        "requested_by": rel.requested_by,
        "domain_blocking": rel.domain_blocking,
        "endorsed": rel.endorsed,
        "note": "",
    }


def event_heading(event: EventRow | None) -> str:
    """What an event's post starts with in apps (they show ``content`` only): its
    title, and when and where in the event's own time zone."""
    if event is None:
        return ""
    start = event.starts_at.astimezone(zoneinfo.ZoneInfo(event.timezone))
    when = f"{start:%a %-d %b %Y, %H:%M} ({event.timezone})"
    place = events.location_of(event)
    where = (place.name or place.locality) if place else None
    where = where or ("Online" if event.online_url else "")
    title = ("Cancelled: " if event.cancelled_at else "") + event.title
    line = " · ".join(html.escape(part) for part in (when, where) if part)
    return f"<p><strong>{html.escape(title)}</strong><br>{line}</p>"
