"""Acting on a person from their profile: follow, connect (with a note), endorse a
skill, recommend, ask a shared connection for an introduction, and taking each
back; approving or hiding recommendations written about oneself.

Each action is a form that posts to ``/people/ID/ACTION`` and calls the same
service as the client API. Without JavaScript it comes back to the page it was
sent from with a message; with htmx the answer is the part of the profile it
changed (the relationship box, or the skills), swapped in place. A refusal
without JavaScript is the profile again with a 4xx, the message next to the
form and what was typed kept; with htmx it is the same part with the message
(answered 200: htmx swaps only successful answers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from server import ids
from server.appkeys import SERVICES
from server.services import connections, endorsements, graph, introductions, recommendations
from server.services.context import Services
from server.services.errors import NotFound, ServiceError, ValidationError
from server.store.accounts import AccountRow
from server.web import profile_view, relationship
from server.web.forms import GENERAL, FormState
from server.web.profile import profile_page
from server.web.relationship import Forms
from server.web.responses import back, fragment, redirect
from server.web.routing import Form, PageRoutes, form_of, is_htmx, path_id
from server.web.session import member
from server.web.views import person

routes = PageRoutes()


@dataclass(frozen=True, slots=True)
class Act:
    """One action, as a handler sees it."""

    svc: Services
    me: AccountRow
    other: AccountRow
    form: Form

    @property
    def name(self) -> str:
        return self.other.display_name or self.other.username


async def _follow(act: Act) -> str:
    row = await graph.follow(act.svc, act.me, act.other)
    if row.state == "pending":
        return f"You asked to follow {act.name}."
    return f"You now follow {act.name}."


async def _unfollow(act: Act) -> str:
    await graph.unfollow(act.svc, act.me, act.other)
    return f"You no longer follow {act.name}."


async def _connect(act: Act) -> str:
    row = await connections.request(act.svc, act.me, act.other, act.form.text("note"))
    if row.state == "accepted":  # they had asked us: that was a yes
        return f"You are now connected with {act.name}."
    return f"Your request to connect was sent to {act.name}."


async def _request_between(act: Act, *, sent: bool) -> int:
    between = await connections.between(act.svc, act.me, act.other)
    found = between.sent if sent else between.received
    if found is None:
        raise NotFound(f"There is no pending request {'to' if sent else 'from'} {act.name}")
    return found.id


async def _withdraw_request(act: Act) -> str:
    await connections.withdraw(act.svc, act.me, await _request_between(act, sent=True))
    return f"Your request to connect with {act.name} was withdrawn."


async def _accept_request(act: Act) -> str:
    request_id = await _request_between(act, sent=False)
    await connections.answer(act.svc, act.me, request_id, accept=True)
    return f"You are now connected with {act.name}."


async def _decline_request(act: Act) -> str:
    request_id = await _request_between(act, sent=False)
    await connections.answer(act.svc, act.me, request_id, accept=False)
    return f"You declined {act.name}'s request to connect."


async def _disconnect(act: Act) -> str:
    await connections.remove(act.svc, act.me, act.other)
    return f"You are no longer connected with {act.name}."


async def _endorse(act: Act) -> str:
    row = await endorsements.endorse(act.svc, act.me, act.other, act.form.text("skill"))
    return f"You endorsed {act.name} for {row.skill}."


async def _unendorse(act: Act) -> str:
    skill = act.form.text("skill")
    given = await endorsements.given(act.svc, act.me, act.other)
    row = given.get(skill.strip().casefold())
    if row is None:
        raise NotFound(f"You have not endorsed {act.name} for {skill.strip()!r}")
    await endorsements.withdraw(act.svc, act.me, row.id)
    return f"You withdrew your endorsement of {act.name} for {row.skill}."


async def _recommend(act: Act) -> str:
    await recommendations.recommend(act.svc, act.me, act.other, act.form.text("text"))
    return f"Your recommendation was sent: {act.name} will approve it before it shows."


async def _withdraw_recommendation(act: Act) -> str:
    row = await recommendations.open_for(act.svc, act.me, act.other)
    if row is None:
        raise NotFound(f"You have no recommendation of {act.name} to withdraw")
    await recommendations.withdraw(act.svc, act.me, row.id)
    return f"Your recommendation of {act.name} was withdrawn."


def _id_field(form: Form, name: str) -> int:
    found = ids.parse(form.text(name).strip())
    if found is None:
        raise ValidationError(f"{name} is required", field=name)
    return found


async def _introduce(act: Act) -> str:
    via = await graph.get_account(act.svc, _id_field(act.form, "via"))
    reason = act.form.text("reason")
    await introductions.request(act.svc, act.me, act.other, via, reason)
    via_name = via.display_name or via.username
    return f"You asked {via_name} to introduce you to {act.name}."


async def _withdraw_introduction(act: Act) -> str:
    await introductions.withdraw(act.svc, act.me, _id_field(act.form, "introduction"))
    return f"Your request for an introduction to {act.name} was withdrawn."


ACTIONS: dict[str, Callable[[Act], Awaitable[str]]] = {
    "follow": _follow,
    "unfollow": _unfollow,
    "connect": _connect,
    "withdraw-request": _withdraw_request,
    "accept-request": _accept_request,
    "decline-request": _decline_request,
    "disconnect": _disconnect,
    "endorse": _endorse,
    "unendorse": _unendorse,
    "recommend": _recommend,
    "withdraw-recommendation": _withdraw_recommendation,
    "introduce": _introduce,
    "withdraw-introduction": _withdraw_introduction,
}
SKILL_ACTIONS = ("endorse", "unendorse")
FORM_FIELDS = {"connect": ("note",), "recommend": ("text",), "introduce": ("reason",)}


def _form_name(action: str, form: Form) -> str:
    """Which of the box's forms an action came from (``Forms``)."""
    if action == "introduce":  # from a shared connection's form, or the one with a choice
        return "intro-any" if form.flag("any") else f"intro-{form.text('via')}"
    return action if action in FORM_FIELDS else "relationship"


def _refused(action: str, form: Form, exc: ServiceError) -> Forms:
    """The form again with what was typed: a message about one of its fields next
    to it, any other at the top of the part the action changes (the form it came
    from may no longer be offered)."""
    own = FORM_FIELDS.get(action, ())
    field = exc.field if isinstance(exc, ValidationError) else None
    name = _form_name(action, form)
    if field in own:
        return Forms({name: FormState.of(form.fields).refused(exc)})
    top = "skills" if action in SKILL_ACTIONS else "relationship"
    return Forms(
        {top: FormState().refused(exc, {field or "": GENERAL}), name: FormState.of(form.fields)}
    )


@routes.post(r"/people/{account_id:\d+}/{action}")
async def act(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    action = request.match_info["action"]
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound("Nothing is here")
    svc, form = request.app[SERVICES], form_of(request)
    other = await graph.get_account(svc, path_id(request, "account_id"))
    try:
        done = await handler(Act(svc, session.account, other, form))
    except ServiceError as exc:
        forms = _refused(action, form, exc)
        if is_htmx(request):
            return await _part(request, action, other, forms)
        return await profile_page(request, other, forms=forms, http_status=exc.status)
    if is_htmx(request):
        return await _part(request, action, other, done=done)
    raise redirect(request, back(request, person(svc, other).path), flash=done)


async def _part(
    request: web.Request,
    action: str,
    other: AccountRow,
    forms: Forms | None = None,
    done: str = "",
) -> web.Response:
    """The part of the profile an action changed, as it is now."""
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    box = await relationship.context(svc, me, other, forms)
    shown = {"person": person(svc, other), "account": other, "done": done, **box}
    if action in SKILL_ACTIONS:
        loaded = await profile_view.load_skills(svc, me, other)
        return await fragment(request, "parts/profile_skills.html", skills=loaded, **shown)
    return await fragment(request, "parts/relationship.html", **shown)


@routes.post(r"/profile/recommendations/{rec_id:\d+}/{action:approve|hide}")
async def answer_recommendation(request: web.Request) -> web.StreamResponse:
    """The member approves (shows on their profile) or hides a recommendation."""
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    rec_id = ids.parse(request.match_info["rec_id"])
    if rec_id is None:
        raise NotFound("Recommendation not found")
    approve = request.match_info["action"] == "approve"
    row = await recommendations.answer(svc, me, rec_id, approve=approve)
    done = "It now shows on your profile." if approve else "It will not show on your profile."
    if is_htmx(request):
        box = await relationship.context(svc, me, me)
        shown = await profile_view.load_recommendations(svc, me, me)
        return await fragment(
            request, "parts/profile_recommendations.html", done=done, answered=row.id,
            person=person(svc, me), account=me, recommendations=shown, **box,
        )  # fmt: skip
    raise redirect(request, back(request, person(svc, me).path), flash=done)
