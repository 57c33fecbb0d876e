"""What a page of notifications is about, loaded in a few queries.

A notification names who did something (``from_account_id``), perhaps a post
(``status_id``), and for Warmline's kinds the row it is about (``subject_id``):
a connection request, an introduction, an endorsement or a recommendation.
A page that shows notifications in words needs all of them at once; only the
rows the member is a party to are returned (an introduction with the member's
role in it, so the page says only what that role may know).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from server.services import introductions
from server.services.context import Services
from server.store import connections as connections_q
from server.store import endorsements as endorsements_q
from server.store import introductions as introductions_q
from server.store import personal as personal_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.connections import RequestRow
from server.store.endorsements import EndorsementRow, RecommendationRow
from server.store.interactions import NotificationRow
from server.store.introductions import IntroductionRow
from server.store.statuses import StatusRow

# Which table a Warmline notification's subject_id points into.
SUBJECTS = {
    "warmline.connection_request": "request",
    "warmline.connection_accepted": "request",
    "warmline.connection_moved": "request",
    "warmline.introduction_request": "introduction",
    "warmline.introduction_forwarded": "introduction",
    "warmline.introduction_accepted": "introduction",
    "warmline.introduction_declined": "introduction",
    "warmline.introduction_withdrawn": "introduction",
    "warmline.endorsement": "endorsement",
    "warmline.recommendation": "recommendation",
    "warmline.recommendation_approved": "recommendation",
}
# The filters of a notifications page: the types each shows (None: all of them).
FILTERS: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "mentions": ("mention",),
    "network": ("follow", "follow_request", *SUBJECTS),
}


@dataclass(slots=True)
class Notices:
    """A page of notifications and everything they name."""

    rows: list[NotificationRow]
    statuses: dict[int, StatusRow] = field(default_factory=dict)
    requests: dict[int, RequestRow] = field(default_factory=dict)
    introductions: dict[int, tuple[IntroductionRow, str]] = field(default_factory=dict)
    endorsements: dict[int, EndorsementRow] = field(default_factory=dict)
    recommendations: dict[int, RecommendationRow] = field(default_factory=dict)

    def account_ids(self) -> set[int]:
        """Everyone the page names: who did it, and the people of its introductions."""
        found = {n.from_account_id for n in self.rows}
        for intro, _role in self.introductions.values():
            found |= {intro.requester_id, intro.introducer_id, intro.target_id}
        found |= {r.account_id for r in self.requests.values()}
        found |= {r.target_account_id for r in self.requests.values()}
        return found


def _subject_ids(rows: Sequence[NotificationRow], kind: str) -> list[int]:
    return [n.subject_id for n in rows if n.subject_id and SUBJECTS.get(n.type) == kind]


async def load(svc: Services, me: AccountRow, rows: Sequence[NotificationRow]) -> Notices:
    """``rows`` (the member's) without those from accounts muted with their
    notifications, and what they are about."""
    async with svc.db.read() as conn:
        muted = await personal_q.muted_ids(conn, me.id, svc.now(), notifications_only=True)
        shown = [n for n in rows if n.account_id == me.id and n.from_account_id not in muted]
        found = Notices(shown)
        found.statuses = await statuses_q.get_statuses(
            conn, [n.status_id for n in shown if n.status_id]
        )
        requests = await connections_q.get_requests(conn, _subject_ids(shown, "request"))
        found.requests = {
            i: r for i, r in requests.items() if me.id in (r.account_id, r.target_account_id)
        }
        intros = await introductions_q.get_introductions(conn, _subject_ids(shown, "introduction"))
        for intro_id, intro in intros.items():
            role = introductions.role_of(intro, me)
            if role is not None:
                found.introductions[intro_id] = (intro, role)
        endorsed = await endorsements_q.get_endorsements(conn, _subject_ids(shown, "endorsement"))
        found.endorsements = {i: e for i, e in endorsed.items() if e.target_account_id == me.id}
        recs = await endorsements_q.get_recommendations(conn, _subject_ids(shown, "recommendation"))
        found.recommendations = {
            i: r for i, r in recs.items() if me.id in (r.account_id, r.target_account_id)
        }
    return found
