"""Where the viewer stands with the person whose profile they read: following,
connected (or a request either way), the degree and the connections they share,
what they may do next (endorse, recommend, ask for an introduction) and, when
they may not, why. The profile's relationship box shows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from server.services import (
    connections,
    endorsements,
    graph,
    introductions,
    network,
    recommendations,
)
from server.services.context import Services
from server.services.errors import TooMany
from server.store.accounts import AccountRow
from server.store.endorsements import RecommendationRow
from server.store.introductions import IntroductionRow
from server.store.statuses import Page
from server.web.forms import FormState
from server.web.views import PersonView, Views

MUTUALS_SHOWN = 5
PENDING_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Standing:
    follow: graph.Relationship
    between: connections.Between
    degree: int | None
    mutuals: list[PersonView]  # a few connections we share
    endorse_refusal: str | None  # why the viewer may not endorse (None: they may)
    recommend_refusal: str | None
    recommendation: RecommendationRow | None  # the viewer's, waiting or shown
    intro_refusal: str | None  # why the viewer may not ask for an introduction now
    intro_cap_reached: bool
    asked: list[tuple[IntroductionRow, PersonView | None]]  # open requests, with via whom
    # Connections the viewer may ask when no shared one is known (someone elsewhere).
    introducers: list[PersonView] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.follow.blocking or self.follow.blocked_by


class Forms:
    """The relationship box's forms by name (``connect``, ``recommend``, ``intro-ID``,
    ``skills``); a refused one keeps what was typed and its message."""

    def __init__(self, refused: Mapping[str, FormState] | None = None) -> None:
        self.refused = dict(refused or {})

    def __getitem__(self, name: str) -> FormState:
        return self.refused.get(name) or FormState.of()

    def __contains__(self, name: str) -> bool:
        return name in self.refused


async def standing(svc: Services, me: AccountRow, other: AccountRow) -> Standing:
    """Read in as few statements as the two's state allows: between connections,
    nothing about introductions; otherwise no recommendation to look for."""
    [follow] = await graph.relationships(svc, me, [other.id])
    between = await connections.between(svc, me, other)
    connected = between.connected
    degree = await network.degree(svc, me, other, shown=MUTUALS_SHOWN, connected=connected)
    asked: list[IntroductionRow] = []
    refused = introducers = None
    if not connected:
        asked = await introductions.open_requests(svc, me, other)
        known = introductions.Known(connected=False, blocked=follow.blocking or follow.blocked_by)
        refused = await introductions.target_refusal(svc, me, other, known=known)
        if degree.degree is None and refused is None:  # someone elsewhere: ask a connection
            introducers = await introductions.possible_introducers(svc, me, other)
    views = await Views(svc, me).load(account_ids=[i.introducer_id for i in asked])
    return Standing(
        follow=follow,
        between=between,
        degree=degree.degree,
        mutuals=[views.person(p) for p in degree.mutual_connections],
        endorse_refusal=_refusal(svc, me, other, "endorse", follow, between),
        recommend_refusal=_refusal(svc, me, other, "recommend", follow, between),
        recommendation=await recommendations.open_for(svc, me, other) if connected else None,
        intro_refusal=refused.message if refused else None,
        intro_cap_reached=isinstance(refused, TooMany),
        asked=[(i, views.person_by_id(i.introducer_id)) for i in asked],
        introducers=[views.person(p) for p in introducers or []],
    )


def _refusal(
    svc: Services,
    me: AccountRow,
    other: AccountRow,
    what: str,
    follow: graph.Relationship,
    between: connections.Between,
) -> str | None:
    """Why ``me`` may not endorse or recommend ``other``, from what the box has
    read already (no query of its own)."""
    blocked = follow.blocking or follow.blocked_by
    refused = endorsements.pair_refusal(
        svc, me, other, what, blocked=blocked, connected=between.connected
    )
    return refused.message if refused else None


async def context(
    svc: Services, me: AccountRow | None, account: AccountRow, forms: Forms | None = None
) -> dict[str, Any]:
    """What the relationship box (and the endorse buttons) need, for any viewer."""
    mine = me is not None and me.id == account.id
    found = await standing(svc, me, account) if me is not None and not mine else None
    pending: list[tuple[RecommendationRow, PersonView | None]] = []
    if mine and me is not None:
        waiting = await recommendations.mine(
            svc, me, Page(limit=PENDING_SHOWN), direction="received", state="pending"
        )
        views = await Views(svc, me).load(account_ids=[r.account_id for r in waiting])
        pending = [(r, views.person_by_id(r.account_id)) for r in waiting]
    return {
        "is_me": mine,
        "standing": found,
        "forms": forms or Forms(),
        "pending_recommendations": pending,
    }
