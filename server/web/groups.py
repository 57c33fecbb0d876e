"""Groups: the list (``/groups``), finding one elsewhere by its handle, making one
(``/groups/new``), changing one (``/groups/{id}/edit``), and ``/groups/{id}``,
which sends to the group's page (``/@name``, see ``group_views.py``).

The list has two tabs: "Your groups" (``mine``, for a member) and "On this
server" (``local``, the only one a visitor sees). A handle typed in its search
box (``name@their.example``) is looked up where it lives, as the people search
does, and the group found is shown above the tabs. The form is one template
for making and changing a group; a refusal comes back as the same form with
the message next to the field it names and everything typed kept.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from multidict import MultiDict

from server.appkeys import SERVICES
from server.services import groups, search
from server.services.errors import Conflict, Forbidden, ServiceError
from server.services.groups import DESCRIPTION_MAX, GroupDraft
from server.services.members import DISPLAY_NAME_MAX, USERNAME_MAX
from server.store.accounts import AccountRow
from server.store.graph import PENDING
from server.store.statuses import Page
from server.web.forms import FormState
from server.web.group_views import NO_GROUP, GroupCard, card, plain, shown_group
from server.web.network import page_number
from server.web.responses import page, redirect
from server.web.routing import Form, PageRoutes, form_of, path_id, query_id
from server.web.session import member, viewer
from server.web.views import person

routes = PageRoutes()
PAGE_SIZE = 20
TABS = ("mine", "local")
MAX_HANDLE = 300
# The services' field names as the form calls them.
FIELDS = {"username": "name"}


# --- the list -------------------------------------------------------------------------------


@routes.get("/groups")
async def listing(request: web.Request) -> web.Response:
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    scope = request.query.get("scope", "mine")
    if me is None or scope not in TABS:
        scope = "local" if me is None else "mine"
    context: dict[str, Any] = {"older": None, "page_number": 1, "more": False, "waiting": []}
    if scope == "mine" and me is not None:
        older_than = query_id(request)
        pairs = await groups.my_groups(svc, me, Page(limit=PAGE_SIZE, max_id=older_than))
        found = [v for _, v in pairs]
        context["older"] = pairs[-1][0] if len(pairs) == PAGE_SIZE else None
        context["older_than"] = older_than
        if older_than is None:  # the requests not answered yet, above the first page
            asked = await groups.my_groups(svc, me, Page(limit=PAGE_SIZE), state=PENDING)
            context["waiting"] = [card(svc, v) for _, v in asked]
    else:
        number = page_number(request)
        found = await groups.directory(
            svc, me, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE
        )
        context |= {"page_number": number, "more": len(found) > PAGE_SIZE}
        found = found[:PAGE_SIZE]
    return await page(
        request,
        "groups/list.html",
        scope=scope,
        groups=[card(svc, v) for v in found],
        **context,
        **await _found(request, me),
    )


async def _found(request: web.Request, me: AccountRow | None) -> dict[str, Any]:
    """A group looked up by its handle (or its address), for the search box."""
    handle = " ".join(request.query.get("handle", "").split())
    context: dict[str, Any] = {"handle": handle, "find_error": "", "found": None, "other": None}
    if not handle:
        return context
    if len(handle) > MAX_HANDLE:
        context["find_error"] = f"A handle can be at most {MAX_HANDLE} characters long"
        return context
    if not search.HANDLE.match(handle) and not handle.startswith(("https://", "http://")):
        context["find_error"] = "Write the group's handle as name@server.example"
        return context
    svc = request.app[SERVICES]
    accounts = await search.accounts(svc, handle, resolve=me is not None, limit=1)
    if not accounts:
        context["find_error"] = (
            f"No group called {handle} could be found"
            if me is not None
            else f"No group called {handle} is known here: sign in to look it up"
        )
    elif accounts[0].actor_type != "Group":
        context["other"] = person(svc, accounts[0])  # someone, not a group: their profile
    else:
        context["found"] = card(svc, (await groups.views(svc, me, accounts))[0])
    return context


# --- making and changing a group -------------------------------------------------------------


def read_draft(form: Form, before: GroupCard | None = None) -> GroupDraft:
    return GroupDraft(
        name=before.username if before else form.text("name").strip().lstrip("@"),
        # Left empty, the handle's name is shown (as when it was made without one).
        display_name=form.text("display_name").strip() or (before.username if before else ""),
        description=form.text("description").strip(),
        membership=form.text("membership", before.membership if before else "open"),
    )


def refused(form: Form, exc: ServiceError) -> FormState:
    """The form again with the service's refusal next to its field; the name the
    service speaks of is the group's handle here."""
    state = FormState.of(form.fields).refused(exc, FIELDS)
    if isinstance(exc, Conflict):  # the only conflict: the name is taken
        state.errors.pop("", None)
        state.errors["name"] = f"@{form.text('name').strip().lstrip('@')} is taken: choose another"
    if "name" in state.errors:  # the form's "Name" is the display name
        state.errors["name"] = re.sub(r"^(Username|Name)\b", "The handle", state.errors["name"])
    return state


async def form_page(
    request: web.Request, form: FormState, group: GroupCard | None = None, http_status: int = 200
) -> web.Response:
    return await page(
        request,
        "groups/form.html",
        form=form,
        group=group,
        max_name=USERNAME_MAX,
        max_display_name=DISPLAY_NAME_MAX,
        max_description=DESCRIPTION_MAX,
        http_status=http_status,
    )


@routes.get("/groups/new")
async def new_group(request: web.Request) -> web.Response:
    await member(request)
    return await form_page(request, FormState(MultiDict(membership="open")))


@routes.post("/groups")
async def create(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    submitted = form_of(request)
    svc = request.app[SERVICES]
    try:
        made = await groups.create_group(svc, session.account, read_draft(submitted))
    except ServiceError as exc:
        return await form_page(request, refused(submitted, exc), http_status=exc.status)
    shown = card(svc, made)
    raise redirect(
        request, shown.path, flash=f"Your group {shown.handle} is made: you are its owner."
    )


@routes.get(r"/groups/{group_id:\d+}")
async def by_id(request: web.Request) -> web.StreamResponse:
    """A group's page is where its profile would be: ``/@name``."""
    session = await viewer(request)
    svc = request.app[SERVICES]
    group_id = path_id(request, "group_id", NO_GROUP)
    view = await shown_group(svc, session.account if session else None, group_id)
    raise web.HTTPFound(card(svc, view).path)


async def moderated(request: web.Request) -> tuple[AccountRow, GroupCard]:
    """The signed-in member and the group; 403 unless they moderate it."""
    session = await member(request)
    svc = request.app[SERVICES]
    group_id = path_id(request, "group_id", NO_GROUP)
    shown = card(svc, await shown_group(svc, session.account, group_id))
    if not shown.is_local:
        raise Forbidden("This group is moderated on its own server")
    if not shown.moderates:
        raise Forbidden("Only the group's moderators may do this")
    return session.account, shown


@routes.get(r"/groups/{group_id:\d+}/edit")
async def edit_page(request: web.Request) -> web.Response:
    _, shown = await moderated(request)
    values = MultiDict(
        display_name=shown.name, description=plain(str(shown.description)),
        membership=shown.membership,
    )  # fmt: skip
    return await form_page(request, FormState(values), shown)


@routes.post(r"/groups/{group_id:\d+}/edit")
async def edit(request: web.Request) -> web.StreamResponse:
    me, shown = await moderated(request)
    submitted = form_of(request)
    try:
        await groups.edit_group(request.app[SERVICES], me, shown.id, read_draft(submitted, shown))
    except ServiceError as exc:
        return await form_page(request, refused(submitted, exc), shown, http_status=exc.status)
    raise redirect(request, shown.path, flash="Your changes are saved.")
