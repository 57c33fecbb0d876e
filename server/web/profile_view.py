"""What a profile page shows, shaped for its templates: the professional profile
(experience and education with their periods, skills with a few endorsers'
faces), approved recommendations, connections as the owner allows, counts and
a page of posts. Loaded in a few batched reads (``Views.load``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from babel.dates import format_date
from markupsafe import Markup

from server.services import connections, endorsements, objects, recommendations, timelines
from server.services.context import Services
from server.services.profiles import OPEN_TO
from server.store.accounts import AccountRow
from server.store.endorsements import EndorsementRow
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
    given: Mapping[str, EndorsementRow] | None = None,
) -> dict[str, Any]:
    """Everything the profile template shows but the relationship box."""
    found = await timelines.account_statuses(
        svc, viewer, account, Page(limit=POSTS_SHOWN, max_id=max_id)
    )
    network = None
    if account.is_local:
        network = await connections.preview(svc, viewer, account, few=CONNECTIONS_SHOWN)
    views = await Views(svc, viewer).load(found, people=[account], stats_of=[account.id])
    today = svc.now().astimezone(UTC).date()
    return {
        "account": account,
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
        "skills": await load_skills(svc, viewer, account, given or {}),
        "recommendations": await load_recommendations(svc, viewer, account),
        "links": links(account),
        "network": network,
        "network_people": [views.person(p) for p in network.few] if network else [],
        "posts": views.posts(found),
        "older": found[-1].id if len(found) == POSTS_SHOWN else None,
    }


async def load_skills(
    svc: Services,
    viewer: AccountRow | None,
    account: AccountRow,
    given: Mapping[str, EndorsementRow],
) -> list[SkillView]:
    """The account's skills, each with how many endorsed it, a few of their faces,
    and the viewer's own endorsement (``given``, by casefolded skill)."""
    views = Views(svc, viewer)
    return [
        SkillView(
            skill=s.skill,
            count=s.count,
            endorsers=[views.person(p) for p in s.endorsers],
            mine=given.get(s.skill.casefold()),
        )
        for s in await endorsements.summary(svc, account)
    ]


async def load_recommendations(
    svc: Services, viewer: AccountRow | None, account: AccountRow
) -> list[RecommendationView]:
    """The recommendations the account approved, with their authors."""
    recs = await recommendations.shown_on_profile(svc, account, Page(limit=RECOMMENDATIONS_SHOWN))
    views = await Views(svc, viewer).load(account_ids=[r.account_id for r in recs])
    return [
        RecommendationView(r.id, r.text, views.person_by_id(r.account_id), r.created_at)
        for r in recs
    ]
