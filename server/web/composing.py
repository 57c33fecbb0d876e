"""Writing posts and replies from a page: the composer (text, who sees it, a
content warning, up to four images with their descriptions) and the reply box.

A post goes through ``personal.post_once`` with the form's idempotency key, so a
double click (or a resent form) makes one post. Images are uploaded first; when
the post is then refused, the uploads are kept in the form that comes back (by
id, with their previews), so nothing typed or chosen is lost, and they are
attached to nothing until the post is made (uploads left unposted are swept
after a day by the media cleanup).

Without JavaScript the form posts and comes back to the page it was sent from;
with htmx the answer is the new post (for the timeline or the thread) plus, out
of band, a fresh empty form with a new idempotency key.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from typing import Any

from aiohttp import web

from server import ids
from server.appkeys import CONFIG, SERVICES
from server.services import media, personal, posts
from server.services.context import Services
from server.services.errors import NotFound, ServiceError, ValidationError
from server.services.posts import Draft
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow
from server.web.forms import GENERAL, FormState
from server.web.responses import back, fragment, page, redirect
from server.web.routing import Form, PageRoutes, form_of, is_htmx
from server.web.session import member
from server.web.views import ImageView, PostView, Views, image_view

routes = PageRoutes()
SLOTS = range(1, media.MAX_PER_POST + 1)
IMAGE_FIELDS = tuple(f"image_{n}" for n in SLOTS)
FORM_KEY = re.compile(r"[0-9a-z-]{1,40}")
# A service's field names as the composer calls them.
FIELDS = {"media_ids": GENERAL, "text": "status", "language": GENERAL, "group_id": GENERAL}


def friendly(state: FormState, blank: str = "Write something first, or add an image") -> FormState:
    """The services' messages as a page says them (the API's keep Mastodon's words)."""
    for name, message in state.errors.items():
        if "can't be blank" in message:
            message = blank
        state.errors[name] = message.removeprefix("Validation failed: ")
    return state


def composer_context(
    request: web.Request,
    *,
    inline: bool = False,
    state: FormState | None = None,
    kept: dict[int, ImageView] | None = None,
) -> dict[str, Any]:
    """What ``parts/composer.html`` (and the reply form) need."""
    return {
        "composer": state or FormState.of({"visibility": "public"}),
        "idempotency_key": secrets.token_urlsafe(16),
        "kept": kept or {},
        "inline": inline,
        "limit": posts.MAX_CHARS,
        "max_bytes": request.app[CONFIG].media.max_image_bytes,
    }


def post_id(value: str) -> int:
    """A post id from a URL or a form; anything else is a post that is not here."""
    if not value.isdigit() or len(value) > 19:
        raise NotFound("This post does not exist, or you may not see it")
    return int(value)


async def shown_status(svc: Services, me: AccountRow | None, status_id: int) -> StatusRow:
    """A post the viewer may see, or a 404 that says so."""
    try:
        return await posts.visible_status(svc, me, status_id)
    except NotFound:
        raise NotFound("This post does not exist, or you may not see it") from None


# --- images ------------------------------------------------------------------------------


async def _slot(
    request: web.Request, me: AccountRow, form: Form, state: FormState, n: int
) -> int | None:
    """The upload in slot ``n``: one kept from a refused try, or a new file."""
    svc = request.app[SERVICES]
    description = form.text(f"image_description_{n}")
    kept = form.text(f"media_{n}")
    if kept and not form.flag(f"remove_media_{n}"):
        try:
            row = await media.own_media(svc, me, post_id(kept))
            if row.status_id is not None:
                raise NotFound("gone")
            if row.description != description.strip():
                await media.describe(svc, me, row.id, description=description, focus=None)
            return row.id
        except NotFound:
            state.errors[f"image_{n}"] = "This image is no longer here: please choose it again"
        except ValidationError as exc:
            state.refused(exc, {"description": f"image_description_{n}"})
            return row.id
        return None
    data = form.files.get(f"image_{n}")
    error = form.file_errors.get(f"image_{n}")
    if error:
        state.errors[f"image_{n}"] = error
    if not data:
        return None
    try:
        return (await media.upload(svc, me, data, description=description)).id
    except ServiceError as exc:
        state.refused(exc, {"file": f"image_{n}", "description": f"image_description_{n}"})
        return None


async def _images(
    request: web.Request, me: AccountRow, form: Form, state: FormState
) -> tuple[int, ...]:
    """Every slot's upload, in order; each recorded in ``state`` (``media_N``), so a
    refused form offers them again."""
    found = []
    for n in SLOTS:
        state.values.popall(f"media_{n}", None)
        state.values.popall(f"remove_media_{n}", None)
        media_id = await _slot(request, me, form, state, n)
        if media_id is not None:
            state.values[f"media_{n}"] = str(media_id)
            found.append(media_id)
    return tuple(found)


async def kept_images(
    request: web.Request, me: AccountRow, state: FormState
) -> dict[int, ImageView]:
    svc = request.app[SERVICES]
    kept = {}
    for n in SLOTS:
        value = state.value(f"media_{n}")
        if value:
            try:
                kept[n] = image_view(svc, await media.own_media(svc, me, int(value)))
            except NotFound:  # swept meanwhile
                state.values.popall(f"media_{n}", None)
    return kept


# --- posting -----------------------------------------------------------------------------


def _draft(form: Form, media_ids: tuple[int, ...]) -> Draft:
    reply_to = form.text("in_reply_to_id")
    spoiler = form.text("spoiler_text").strip()
    group = form.text("group_id")  # a group's page: posted in that group
    return Draft(
        text=form.text("status"),
        visibility=form.text("visibility") or "public",
        in_reply_to_id=post_id(reply_to) if reply_to else None,
        spoiler_text=spoiler,
        sensitive=bool(spoiler),
        media_ids=media_ids,
        group_id=_group_id(group) if group else None,
    )


def _group_id(value: str) -> int:
    found = ids.parse(value)
    if found is None:
        raise NotFound("There is no such group here")
    return found


@routes.post("/posts", files=IMAGE_FIELDS)
async def create(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, form, me = request.app[SERVICES], form_of(request), session.account
    state = FormState.of(form.fields)
    status_code = 422
    media_ids = await _images(request, me, form, state)
    status = None
    if not state.failed:
        try:
            draft = _draft(form, media_ids)
            status = await personal.post_once(svc, me, draft, form.text("idempotency_key") or None)
        except ServiceError as exc:
            state.refused(exc, FIELDS)
            status_code = exc.status if 400 <= exc.status < 500 else 422
    if status is None:
        return await _refused(request, form, state, status_code)
    if is_htmx(request):
        return await _posted(request, form, status)
    if status.in_reply_to_id is not None:
        raise redirect(request, _after_reply(request, form), flash="Your reply is posted.")
    flash = "Posted in the group." if form.text("group_id") else "Posted."
    raise redirect(request, _after_post(request), flash=flash)


def _after_post(request: web.Request) -> str:
    """Back where the composer was; from the compose page, home."""
    to = back(request)
    return "/" if to.startswith(("/compose", "/posts")) else to


def _after_reply(request: web.Request, form: Form) -> str:
    """From the reply page, the thread (the reply is in it); else back where it was."""
    to = back(request)
    if to.startswith("/posts/"):
        return f"/posts/{form.text('in_reply_to_id')}"
    return to


async def _posted(request: web.Request, form: Form, status: StatusRow) -> web.Response:
    """For htmx: the new post, and a fresh empty form in place of the one sent."""
    session = await member(request)
    svc = request.app[SERVICES]
    views = await Views(svc, session.account).load([status])
    shown = views.post(status)
    mode, context = form.text("mode"), {}
    if form.text("reset") == "composer":
        context = {"reset": "composer", **composer_context(request, inline=True)}
    elif mode == "thread" and shown is not None:
        context = {"reset": "reply", **_reply_context(request, form, status.in_reply_to_id)}
    if shown is not None and mode in ("slot", "thread"):
        shown = replace(shown, depth=1)  # shown below the post it answers
    if mode == "slot" and status.in_reply_to_id is not None:  # its reply count, in place
        key = form.text("form_key")
        parent = await reply_parent(request, status.in_reply_to_id)
        if parent is not None and key.isdigit():
            context |= {"parent": parent, "parent_key": int(key)}
    return await fragment(request, "parts/posted.html", post=shown, **context)


def _reply_context(request: web.Request, form: Form, parent_id: int | None) -> dict[str, Any]:
    state = FormState.of({"visibility": form.text("visibility") or "public"})
    key = form.text("form_key")
    return {
        **composer_context(request, state=state),
        "parent_id": parent_id,
        "form_key": key if FORM_KEY.fullmatch(key) else str(parent_id),
        "mode": form.text("mode"),
    }


async def _refused(
    request: web.Request, form: Form, state: FormState, status_code: int
) -> web.Response:
    """The form again, with each error next to its field and everything kept."""
    session = await member(request)
    friendly(state)
    kept = await kept_images(request, session.account, state)
    htmx = is_htmx(request)
    reply_to = form.text("in_reply_to_id")
    if reply_to:
        context = _reply_context(request, form, post_id(reply_to))
        context["composer"] = state
        if htmx:
            return _retargeted(
                await fragment(request, "parts/reply_form.html", **context),
                f"#reply-form-{context['form_key']}",
                status_code,
            )
        parent = await reply_parent(request, post_id(reply_to))
        context["mode"] = "page"  # without JavaScript, wherever it was sent from
        return await page(request, "reply.html", parent=parent, http_status=status_code, **context)
    context = composer_context(request, inline=htmx, state=state, kept=kept)
    if htmx:
        response = await fragment(request, "parts/composer.html", **context)
        return _retargeted(response, "#composer", status_code)
    return await page(request, "compose.html", http_status=status_code, **context)


def _retargeted(response: web.Response, target: str, status_code: int) -> web.Response:
    """A refused htmx form: swapped in place of the form (static/js/posts.js swaps
    a 4xx answer that names its target)."""
    response.set_status(status_code)
    response.headers["HX-Retarget"] = target
    response.headers["HX-Reswap"] = "outerHTML"
    return response


# --- the compose and reply pages -----------------------------------------------------------


@routes.get("/compose")
async def compose_page(request: web.Request) -> web.Response:
    await member(request)
    return await page(request, "compose.html", **composer_context(request))


async def reply_parent(request: web.Request, parent_id: int) -> PostView | None:
    session = await member(request)
    svc = request.app[SERVICES]
    parent = await shown_status(svc, session.account, parent_id)
    views = await Views(svc, session.account).load([parent])
    return views.post(parent)


def reply_defaults(parent: PostView) -> FormState:
    """A reply starts with the parent's author mentioned (unless it is one's own
    post), the parent's visibility and its content warning, as Mastodon's do."""
    return FormState.of(
        {
            "status": "" if parent.mine else f"{parent.author.handle} ",
            "visibility": parent.visibility,
            "spoiler_text": parent.spoiler,
        }
    )


@routes.get(r"/posts/{post_id}/reply")
async def reply_form(request: web.Request) -> web.Response:
    parent_id = post_id(request.match_info["post_id"])
    parent = await reply_parent(request, parent_id)
    if parent is None:
        raise NotFound("This post does not exist, or you may not see it")
    context = composer_context(request, state=reply_defaults(parent))
    context |= {"parent_id": parent.id, "form_key": str(parent.id)}
    if is_htmx(request):
        key = request.query.get("key", "")
        context["form_key"] = key if FORM_KEY.fullmatch(key) else str(parent.id)
        return await fragment(request, "parts/reply_form.html", mode="slot", **context)
    return await page(request, "reply.html", parent=parent, mode="page", **context)
