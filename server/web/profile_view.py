"""What a profile page shows, shaped for its templates: the professional profile
(experience and education with their periods, skills with a few endorsers'
faces), approved recommendations, connections as the owner allows, counts and
a page of posts. Loaded in a few batched reads (``Views.load``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date
from markupsafe import Markup

from server.services import (
    connections,
    endorsements,
    linkedin_contacts,
    moves,
    objects,
    recommendations,
    timelines,
)
from server.services.context import Services
from server.services.graph import Relationship
from server.services.profiles import OPEN_TO
from server.store.accounts import AccountRow
from server.store.endorsements import EndorsementRow, RecommendationRow
from server.store.stats import Stats
from server.store.statuses import Page
from server.web.templating import LOCALE
from server.web.views import PersonView, Views, local_path

POSTS_SHOWN = 20
RECOMMENDATIONS_SHOWN = 10
CONNECTIONS_SHOWN = 6
_DAY = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Period:
    """When something started and ended, as shown ("Apr 2021", and how long)."""

    start: str
    end: str  # "" while it goes on
    current: bool
    years: int
    months: int


@dataclass(frozen=True, slots=True)
class EntryView:
    """A job or a school."""

    title: str  # job title, or school
    place: str  # organisation, or degree and field of study
    description: str
    period: Period | None


@dataclass(frozen=True, slots=True)
class SkillView:
    skill: str
    count: int
    endorsers: list[PersonView]  # a few, most recent first
    mine: EndorsementRow | None  # the viewer's endorsement of it


@dataclass(frozen=True, slots=True)
class RecommendationView:
    id: int
    text: str
    author: PersonView | None
    created_at: datetime


def _day(value: object) -> date | None:
    match = _DAY.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def period(start: object, end: object, today: date) -> Period | None:
    began, ended = _day(start), _day(end)
    if began is None:
        return None
    until = ended or today
    months = max((until.year - began.year) * 12 + until.month - began.month + 1, 1)
    return Period(
        start=format_date(began, "MMM y", locale=LOCALE),
        end=format_date(ended, "MMM y", locale=LOCALE) if ended else "",
        current=ended is None,
        years=months // 12,
        months=months % 12,
    )


def experience(account: AccountRow, today: date) -> list[EntryView]:
    return [
        EntryView(
            title=str(job.get("title") or ""),
            place=str(job.get("organization") or ""),
            description=str(job.get("description") or ""),
            period=period(job.get("start"), job.get("end"), today),
        )
        for job in account.experience
        if isinstance(job, Mapping)
    ]


def education(account: AccountRow, today: date) -> list[EntryView]:
    shown = []
    for school in account.education:
        if not isinstance(school, Mapping):
            continue
        place = ", ".join(str(school[k]) for k in ("degree", "field") if school.get(k))
        when = period(school.get("start"), school.get("end"), today)
        shown.append(EntryView(str(school.get("school") or ""), place, "", when))
    return shown


def links(account: AccountRow) -> list[tuple[str, str]]:
    return [
        (str(link.get("name") or link["url"]), str(link["url"]))
        for link in account.links
        if isinstance(link, Mapping)
        and str(link.get("url", "")).startswith(("https://", "http://"))
    ]


def open_to(account: AccountRow) -> list[str]:
    """The fixed keys the member chose, in the fixed order (labels are the template's)."""
    return [item for item in OPEN_TO if item in account.open_to]


async def load(
    svc: Services,
    viewer: AccountRow | None,
    account: AccountRow,
    *,
    max_id: int | None = None,
    relationship: Relationship | None = None,
) -> dict[str, Any]:
    """Everything the profile template shows but the relationship box, whose
    ``relationship`` (the viewer's follow and blocks) is not read again. The people
    it shows, posts' authors, endorsers and recommenders, are read in one go."""
    found = await timelines.account_statuses(
        svc, viewer, account, Page(limit=POSTS_SHOWN, max_id=max_id), relationship=relationship
    )
    network = None
    if account.is_local:
        network = await connections.preview(svc, viewer, account, few=CONNECTIONS_SHOWN)
    endorsed = await endorsements.of(svc, account)
    recs = await recommendations.shown_on_profile(svc, account, Page(limit=RECOMMENDATIONS_SHOWN))
    views = await Views(svc, viewer).load(
        found,
        [*endorsements.endorsers_shown(endorsed), *(r.account_id for r in recs)],
        people=[account, *(network.few if network else ())],
        stats_of=[account.id],
    )
    today = svc.now().astimezone(UTC).date()
    moved = await moves.moved_to(svc, account)
    return {
        "account": account,
        # Where the account went (Mastodon's "has moved" banner): its new home.
        "moved_to": views.person(moved) if moved is not None else None,
        "person": views.person(account),
        "stats": views.loaded.stats.get(account.id, Stats()),
        "absolute_avatar": svc.urls.avatar(account.avatar_url),
        "actor_uri": objects.account_uri(svc, account),
        # Stored summaries and field values are sanitised HTML (nh3) already.
        "summary": Markup(account.summary),
        "fields": [(f["name"], Markup(f["value"])) for f in account.fields],
        "header": local_path(svc, svc.urls.local(account.header_url)),
        "open_to": open_to(account),
        "experience": experience(account, today),
        "education": education(account, today),
        "skills": skill_views(views, account, endorsed),
        "recommendations": recommendation_views(views, recs),
        "imported_recommendations": (
            await linkedin_contacts.recommendations(svc, account, shown_only=True)
            if account.is_local
            else []
        ),
        "links": links(account),
        # A member's from their import; a remote profile's as its actor lists them.
        **await linkedin_contacts.languages_and_certifications(svc, account),
        "network": network,
        "network_people": [views.person(p) for p in network.few] if network else [],
        "posts": views.posts(found),
        "older": found[-1].id if len(found) == POSTS_SHOWN else None,
    }


async def load_skills(
    svc: Services, viewer: AccountRow | None, account: AccountRow
) -> list[SkillView]:
    """The skills part alone (what an endorse button answers with htmx)."""
    endorsed = await endorsements.of(svc, account)
    views = await Views(svc, viewer).load(account_ids=endorsements.endorsers_shown(endorsed))
    return skill_views(views, account, endorsed)


async def load_recommendations(
    svc: Services, viewer: AccountRow | None, account: AccountRow
) -> list[RecommendationView]:
    """The recommendations part alone (what approving one answers with htmx)."""
    recs = await recommendations.shown_on_profile(svc, account, Page(limit=RECOMMENDATIONS_SHOWN))
    views = await Views(svc, viewer).load(account_ids=[r.account_id for r in recs])
    return recommendation_views(views, recs)


def recommendation_views(
    views: Views, recs: Sequence[RecommendationRow]
) -> list[RecommendationView]:
    """The recommendations the account approved, with their authors."""
    return [
        RecommendationView(r.id, r.text, views.person_by_id(r.account_id), r.created_at)
        for r in recs
    ]


def skill_views(
    views: Views, account: AccountRow, endorsed: Sequence[EndorsementRow]
) -> list[SkillView]:
    """The account's skills, each with how many endorsed it, a few of their faces,
    and the viewer's own endorsement of it, if any."""
    people = views.loaded.accounts
    viewer_id = views.viewer.id if views.viewer else None
    mine = {e.skill.casefold(): e for e in endorsed if e.account_id == viewer_id}
    return [
        SkillView(
            skill=s.skill,
            count=s.count,
            endorsers=[views.person(p) for p in s.endorsers],
            mine=mine.get(s.skill.casefold()),
        )
        for s in endorsements.summarise(account, endorsed, people)
    ]
