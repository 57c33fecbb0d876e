"""What the network, notifications and search pages show of people and their ties,
shaped once per page (the words for each state are in the templates:
``macros/network.html``)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from server.services import connections, introductions, network
from server.services.context import Services
from server.store.accounts import AccountRow
from server.store.connections import RequestRow
from server.store.introductions import IntroductionRow
from server.web.forms import FormState
from server.web.views import PersonView, Views, person


@dataclass(frozen=True, slots=True)
class PersonCard:
    """Someone to connect with: a suggestion or a search result."""

    person: PersonView
    state: str = ""  # "", "connected", "sent", "received" (connections.States.of)
    request_id: int | None = None  # their pending request to the viewer
    mutual: int = 0
    faces: tuple[PersonView, ...] = ()
    is_me: bool = False
    skills: tuple[str, ...] = ()  # the first few they list
    error: str = ""
    done: str = ""  # what just happened, said in the card ("sent", ...)

    @property
    def face_names(self) -> str:
        """The faces' names, read out after "3 mutual connections"."""
        return ", ".join(face.name for face in self.faces)


@dataclass(frozen=True, slots=True)
class RequestView:
    id: int
    person: PersonView  # the other side
    incoming: bool
    note: str
    state: str
    created_at: datetime
    error: str = ""


@dataclass(frozen=True, slots=True)
class FollowRequestView:
    person: PersonView
    state: str = "pending"  # pending, approved, rejected
    error: str = ""


@dataclass(frozen=True, slots=True)
class ConnectionView:
    person: PersonView
    note: str
    since: datetime | None
    removed: bool = False
    error: str = ""


@dataclass(frozen=True, slots=True)
class IntroView:
    id: int
    role: str  # requester, introducer, target
    state: str  # as the role may know it (introductions.view_state)
    requester: PersonView
    introducer: PersonView
    target: PersonView
    reason: str
    note: str
    declined_by: str | None
    created_at: datetime
    expires_at: datetime
    conversation: str  # the path of the three-way conversation, once opened
    form: FormState = field(default_factory=FormState)
    error: str = ""

    @property
    def days_left(self) -> int:
        """Whole days (at least 1) until an open introduction lapses."""
        left = self.expires_at - datetime.now(UTC)
        return max(1, math.ceil(left / timedelta(days=1)))

    @property
    def waiting_for_me(self) -> bool:
        return (self.role, self.state) in (("introducer", "requested"), ("target", "forwarded"))


def with_error(view: object, message: str) -> object:
    return replace(view, error=message)  # type: ignore[type-var]


def request_view(
    svc: Services, row: RequestRow, other: AccountRow, *, incoming: bool
) -> RequestView:
    return RequestView(row.id, person(svc, other), incoming, row.note, row.state, row.created_at)


def intro_view(
    svc: Services, views: Views, intro: IntroductionRow, role: str, form: FormState | None = None
) -> IntroView | None:
    ids = (intro.requester_id, intro.introducer_id, intro.target_id)
    requester, introducer, target = [views.person_by_id(i) for i in ids]
    if requester is None or introducer is None or target is None:
        return None
    conversation = f"{introducer.path}/{intro.status_id}" if intro.status_id else ""
    return IntroView(
        id=intro.id,
        role=role,
        state=introductions.view_state(intro, role, svc.now()),
        requester=requester,
        introducer=introducer,
        target=target,
        reason=intro.reason,
        note=intro.note if role != "requester" else "",
        declined_by=intro.declined_by if role == "introducer" else None,
        created_at=intro.created_at,
        expires_at=intro.expires_at,
        conversation=conversation,
        form=form or FormState(),
    )


async def intro_views(
    svc: Services, me: AccountRow, found: list[tuple[IntroductionRow, str]]
) -> list[IntroView]:
    wanted = {i for x, _ in found for i in (x.requester_id, x.introducer_id, x.target_id)}
    views = await Views(svc, me).load(account_ids=list(wanted))
    shaped = (intro_view(svc, views, intro, role) for intro, role in found)
    return [v for v in shaped if v is not None]


def _skills(account: AccountRow, shown: int = 4) -> tuple[str, ...]:
    return tuple(s for s in account.skills[:shown] if isinstance(s, str))


async def person_cards(
    svc: Services,
    me: AccountRow | None,
    accounts: list[AccountRow],
    mutual: dict[int, int] | None = None,
    *,
    faces: bool = False,
) -> list[PersonCard]:
    """Cards for people, with where the viewer stands with each (signed in)."""
    if me is None:
        return [PersonCard(person(svc, a), skills=_skills(a)) for a in accounts]
    ids = [a.id for a in accounts]
    states = await connections.states(svc, me, ids)
    shown = await network.mutual_faces(svc, me, ids) if faces else {}
    seen: dict[int, PersonView] = {}  # the same few faces come back card after card

    def face(account: AccountRow) -> PersonView:
        found = seen.get(account.id)
        if found is None:
            found = seen[account.id] = person(svc, account)
        return found

    return [
        PersonCard(
            person(svc, a),
            state=states.of(a.id),
            request_id=states.received.get(a.id),
            mutual=(mutual or {}).get(a.id, 0),
            faces=tuple(face(f) for f in shown.get(a.id, [])),
            is_me=a.id == me.id,
            skills=_skills(a),
        )
        for a in accounts
    ]
