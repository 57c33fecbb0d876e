"""Groups as pages show them, and a group's own page.

A group is an account (``actor_type`` "Group"): its page is where its profile
would be, ``/@logistics`` for a group of this server and ``/@name@their.example``
for one elsewhere (``profile.profile_page`` hands a group's account here), and
``/groups/{id}`` sends there. The page has what the group is about, the
viewer's membership and its button (join, ask to join, withdraw the request,
leave), the composer for members (a post with ``group_id``), the group's
posts (a moderator's "Remove from group" on each), its upcoming events and a
few of its members, as the service lets the viewer see them.

Every rule is the service's (``services/groups.py``, ``group_posts.py``); a page
only shapes what they return. ``GroupCard`` is a group in a list or a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from markupsafe import Markup

from server.appkeys import SERVICES
from server.services import events, group_posts, groups
from server.services.context import Services
from server.services.errors import Forbidden, NotFound
from server.services.groups import GroupView
from server.services.html import strip_html
from server.store.accounts import AccountRow
from server.store.statuses import Page
from server.web.composing import composer_context
from server.web.eventviews import cards
from server.web.forms import FormState
from server.web.responses import page
from server.web.routing import query_id
from server.web.session import viewer
from server.web.views import PersonView, Views, person

POSTS_SHOWN = 20
EVENTS_SHOWN = 5
MEMBERS_SHOWN = 8
NO_GROUP = "There is no such group here"


@dataclass(frozen=True, slots=True)
class GroupCard:
    """A group as a viewer sees it, in a list or at the top of its pages."""

    id: int
    name: str  # its display name, else its handle's name
    username: str
    handle: str  # @name@domain, always with the domain
    path: str  # its page here: /@name, or /@name@their.example
    base: str  # where its other pages and actions are: /groups/ID
    url: str  # its page on its own server
    avatar: str
    description: Markup  # sanitised HTML (nh3, or ours)
    summary: str  # the description as one line of text, for lists
    members: int
    membership: str  # open or approval
    mine: str  # member, moderator, pending, or "" (not a member)
    role: str  # owner, moderator, or ""
    pending: int  # requests to join waiting (counted for its moderators only)
    is_local: bool

    @property
    def is_member(self) -> bool:
        return self.mine in ("member", "moderator")

    @property
    def moderates(self) -> bool:
        return bool(self.role)


def plain(summary_html: str) -> str:
    """A stored description (HTML) as the text it was typed from: paragraphs and
    line breaks kept."""
    text = re.sub(r"</p>\s*<p>", "\n\n", summary_html)
    return strip_html(re.sub(r"<br\s*/?>", "\n", text)).strip()


def card(svc: Services, view: GroupView) -> GroupCard:
    shown: PersonView = person(svc, view.account)
    summary = " ".join(plain(view.account.summary).split())
    return GroupCard(
        id=view.account.id,
        name=shown.name,
        username=shown.username,
        handle=shown.handle,
        path=shown.path,
        base=f"/groups/{view.account.id}",
        url=shown.url,
        avatar=shown.avatar,
        description=Markup(view.account.summary),
        summary=summary if len(summary) <= 200 else summary[:199].rstrip() + "…",
        members=view.members_count,
        membership=view.membership,
        mine=view.my_membership or "",
        role=view.my_role or "",
        pending=view.pending_count or 0,
        is_local=view.account.is_local,
    )


async def shown_group(svc: Services, me: AccountRow | None, group_id: int) -> GroupView:
    """The group as ``me`` sees it; a 404 in words when there is none."""
    try:
        return await groups.view(svc, me, group_id)
    except NotFound:
        raise NotFound(NO_GROUP) from None


async def few_members(
    svc: Services, me: AccountRow | None, group_id: int, limit: int = MEMBERS_SHOWN
) -> list[tuple[PersonView, str]] | None:
    """A few members with their roles, or None when the viewer may not see them."""
    try:
        found = await groups.members(svc, me, group_id, Page(limit=limit))
    except Forbidden:
        return None
    return [(person(svc, account), role or "") for _, account, role in found]


async def _upcoming(svc: Services, me: AccountRow | None, group_id: int) -> list[Any]:
    ids = await group_posts.upcoming_events(svc, me, group_id)
    return await cards(svc, me, await events.views(svc, me, ids[:EVENTS_SHOWN]))


async def group_page(
    request: web.Request, account: AccountRow, *, error: str = "", http_status: int = 200
) -> web.Response:
    """The page of a group; an action refused comes back here with its message."""
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    group = card(svc, (await groups.views(svc, me, [account]))[0])
    older_than = query_id(request)
    found = await group_posts.statuses(
        svc, me, account.id, Page(limit=POSTS_SHOWN, max_id=older_than)
    )
    shown = (await Views(svc, me).load(found)).posts(found)
    composer: dict[str, Any] = {}
    if group.is_member:
        state = FormState.of({"visibility": "public", "group_id": str(group.id)})
        composer = composer_context(request, state=state)
    return await page(
        request,
        "groups/group.html",
        http_status=http_status,
        group=group,
        account=account,
        posts=shown,
        older=found[-1].id if len(found) == POSTS_SHOWN else None,
        older_than=older_than,
        events=await _upcoming(svc, me, account.id),
        members=await few_members(svc, me, account.id),
        error=error,
        **composer,
    )


async def page_of(request: web.Request, group_id: int, **kw: Any) -> web.Response:
    """The group's page by its id (a refused action comes back to it)."""
    svc = request.app[SERVICES]
    try:
        account = await groups.get_group(svc, group_id)
    except NotFound:
        raise NotFound(NO_GROUP) from None
    return await group_page(request, account, **kw)
