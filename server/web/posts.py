"""Posting and acting on posts from a page: write (with images), reply, like,
boost, delete. Each calls the same service as the client API does.

Without JavaScript each form posts and comes back to the page it was sent
from; with htmx the answer is the post itself, swapped in place.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from server.appkeys import SERVICES
from server.services import interactions, media, personal, posts
from server.services.errors import ServiceError
from server.services.posts import Draft
from server.store.statuses import StatusRow
from server.web.forms import FormState
from server.web.responses import back, fragment, page, redirect
from server.web.routing import Form, PageRoutes, form_of
from server.web.session import member
from server.web.views import Views

routes = PageRoutes()
IMAGE_FIELDS = tuple(f"image_{n}" for n in range(1, media.MAX_PER_POST + 1))


def _post_id(request: web.Request) -> int:
    value = request.match_info["post_id"]
    if not value.isdigit() or len(value) > 19:
        raise web.HTTPNotFound(text="No such post")
    return int(value)


async def _upload_images(request: web.Request, form: Form) -> tuple[int, ...]:
    """Store the attached images (each with its description); their ids, in order."""
    session = await member(request)
    svc = request.app[SERVICES]
    ids = []
    for n, name in enumerate(IMAGE_FIELDS, 1):
        data = form.files.get(name)
        if not data:
            continue
        description = form.text(f"image_description_{n}")
        try:
            row = await media.upload(svc, session.account, data, description=description)
        except ServiceError as exc:
            exc.field = name  # type: ignore[attr-defined]  # shown next to its file
            raise
        ids.append(row.id)
    return tuple(ids)


def _draft(form: Form, media_ids: tuple[int, ...]) -> Draft:
    reply_to = form.text("in_reply_to_id")
    return Draft(
        text=form.text("status"),
        visibility=form.text("visibility") or "public",
        in_reply_to_id=int(reply_to) if reply_to.isdigit() and len(reply_to) < 20 else None,
        spoiler_text=form.text("spoiler_text").strip(),
        sensitive=bool(form.text("spoiler_text").strip()),
        media_ids=media_ids,
    )


@routes.post("/posts", files=IMAGE_FIELDS)
async def create(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, form = request.app[SERVICES], form_of(request)
    try:
        draft = _draft(form, await _upload_images(request, form))
        status = await personal.post_once(
            svc, session.account, draft, form.text("idempotency_key") or None
        )
    except ServiceError as exc:
        return await _refused(request, form, exc)
    if request.headers.get("HX-Request"):
        return await _post_fragment(request, status)
    raise redirect(request, back(request), flash="Posted.")


async def _refused(request: web.Request, form: Form, exc: ServiceError) -> web.Response:
    """The composer again, with the error next to its field and the text kept."""
    state = FormState.of(form.fields).refused(exc)
    if form.text("in_reply_to_id"):
        return await page(
            request, "reply.html", composer=state, http_status=exc.status,
            parent_id=form.text("in_reply_to_id"), idempotency_key=secrets.token_urlsafe(16),
        )  # fmt: skip
    return await page(
        request, "compose.html", composer=state, http_status=exc.status,
        idempotency_key=secrets.token_urlsafe(16),
    )  # fmt: skip


async def _post_fragment(request: web.Request, status: StatusRow) -> web.Response:
    session = await member(request)
    svc = request.app[SERVICES]
    views = await Views(svc, session.account).load([status])
    shown = views.post(status)
    if shown is None:  # deleted meanwhile
        return web.Response(text="", content_type="text/html")
    return await fragment(request, "parts/post.html", post=shown)


@routes.get(r"/posts/{post_id}/reply")
async def reply_form(request: web.Request) -> web.Response:
    session = await member(request)
    svc = request.app[SERVICES]
    parent = await posts.visible_status(svc, session.account, _post_id(request))
    views = await Views(svc, session.account).load([parent])
    shown = views.post(parent)
    mention = f"{shown.author.handle} " if shown and not shown.mine else ""
    composer = FormState.of({"status": mention, "visibility": _reply_visibility(parent)})
    template = "parts/reply_form.html" if request.headers.get("HX-Request") else "reply.html"
    render = fragment if template.startswith("parts/") else page
    return await render(
        request, template, composer=composer, parent_id=parent.id, parent=shown,
        idempotency_key=secrets.token_urlsafe(16),
    )  # fmt: skip


def _reply_visibility(parent: StatusRow) -> str:
    return parent.visibility if parent.visibility in ("private", "direct", "unlisted") else "public"


async def _act(request: web.Request, action: str) -> web.StreamResponse:
    session = await member(request)
    svc, me, post_id = request.app[SERVICES], session.account, _post_id(request)
    if action == "like":
        status = await interactions.favourite(svc, me, post_id)
    elif action == "unlike":
        status = await interactions.unfavourite(svc, me, post_id)
    elif action == "boost":
        await interactions.reblog(svc, me, post_id)
        status = await posts.visible_status(svc, me, post_id)
    elif action == "unboost":
        status = await interactions.unreblog(svc, me, post_id)
    else:
        await posts.delete_status(svc, me, post_id)
        if request.headers.get("HX-Request"):
            return web.Response(text="", content_type="text/html")
        raise redirect(request, back(request), flash="Your post was deleted.")
    if request.headers.get("HX-Request"):
        return await _post_fragment(request, status)
    raise redirect(request, back(request))


@routes.post(r"/posts/{post_id}/{action:like|unlike|boost|unboost|delete}")
async def act(request: web.Request) -> web.StreamResponse:
    return await _act(request, request.match_info["action"])


@routes.get("/compose")
async def compose_page(request: web.Request) -> web.Response:
    await member(request)
    return await page(
        request, "compose.html", composer=FormState.of({"visibility": "public"}),
        idempotency_key=secrets.token_urlsafe(16),
    )  # fmt: skip
