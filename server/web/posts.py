"""Acting on posts from a page: like, boost (and undo them), edit and delete one's
own. Each calls the same service as the client API does.

Without JavaScript each form posts and comes back to the page it was sent
from (deleting asks first, on a page of its own); with htmx the answer is
swapped in place: the action bar, the edited post, or nothing for a deleted one.
A post the viewer may not see, or that is not there, is a 404 that says so.
"""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import interactions, posts
from server.services.errors import NotFound, ServiceError
from server.services.posts import Draft
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow
from server.web.composing import composer_context, friendly, post_id, shown_status
from server.web.forms import FormState
from server.web.responses import back, fragment, page, redirect
from server.web.routing import PageRoutes, form_of, is_htmx
from server.web.session import member, safe_next, viewer
from server.web.views import PostView, Views

routes = PageRoutes()
ACTIONS = {
    "like": interactions.favourite,
    "unlike": interactions.unfavourite,
    "boost": interactions.reblog,
    "unboost": interactions.unreblog,
}
DONE = {
    "like": "You liked this post.",
    "unlike": "You no longer like this post.",
    "boost": "Boosted to your followers.",
    "unboost": "Boost undone.",
}


def _id(request: web.Request) -> int:
    return post_id(request.match_info["post_id"])


async def _views(request: web.Request, status: StatusRow) -> tuple[Views, PostView]:
    session = await viewer(request)
    me = session.account if session else None
    views = await Views(request.app[SERVICES], me).load([status])
    shown = views.post(status)
    if shown is None:
        raise NotFound("This post does not exist, or you may not see it")
    return views, shown


async def _view(request: web.Request, status: StatusRow) -> PostView:
    return (await _views(request, status))[1]


@routes.get(r"/posts/{post_id}")
async def card(request: web.Request) -> web.Response:
    """A post by id: with htmx, its card (edit's Cancel); otherwise off to its page."""
    session = await viewer(request)
    me = session.account if session else None
    shown = await _view(request, await shown_status(request.app[SERVICES], me, _id(request)))
    if is_htmx(request):
        return await fragment(request, "parts/post.html", post=shown)
    raise web.HTTPSeeOther(shown.path)


@routes.post(r"/posts/{post_id}/{action:like|unlike|boost|unboost}")
async def act(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, me, action = request.app[SERVICES], session.account, request.match_info["action"]
    status_id = _id(request)
    try:
        await ACTIONS[action](svc, me, status_id)
    except NotFound:
        raise NotFound("This post does not exist, or you may not see it") from None
    if not is_htmx(request):
        raise redirect(request, back(request), flash=DONE[action])
    shown = await _view(request, await shown_status(svc, me, status_id))
    key = form_of(request).text("key")  # the card's: a boost's id, or the post's
    card_key = int(key) if key.isdigit() and len(key) < 20 else shown.id
    return await fragment(request, "parts/actions.html", post=shown, key=card_key)


# --- edit ------------------------------------------------------------------------------------


async def _own(request: web.Request, me: AccountRow) -> StatusRow:
    """The viewer's own post (not a boost); anyone else's is not theirs to change."""
    status = await shown_status(request.app[SERVICES], me, _id(request))
    if status.account_id != me.id or status.reblog_of_id is not None:
        raise NotFound("This is not one of your posts")
    return status


@routes.get(r"/posts/{post_id}/edit")
async def edit_page(request: web.Request) -> web.Response:
    session = await member(request)
    shown = await _view(request, await _own(request, session.account))
    state = FormState.of({"status": shown.source_text, "spoiler_text": shown.spoiler})
    context = {
        **composer_context(request, state=state),
        "post": shown,
        "next": back(request, shown.path),
    }
    if is_htmx(request):
        return await fragment(request, "parts/edit_form.html", **context)
    return await page(request, "edit.html", **context)


@routes.post(r"/posts/{post_id}/edit")
async def edit(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, me, form = request.app[SERVICES], session.account, form_of(request)
    status = await _own(request, me)
    views, shown = await _views(request, status)
    spoiler = form.text("spoiler_text").strip()
    draft = Draft(
        text=form.text("status"),
        spoiler_text=spoiler,
        sensitive=bool(spoiler),
        # An edit here changes the words, not the images: they stay as they are.
        media_ids=tuple(row.id for row in views.loaded.media.get(status.id, [])),
    )
    try:
        edited = await posts.edit_status(svc, me, status.id, draft)
    except ServiceError as exc:
        state = FormState.of(form.fields).refused(exc, {"text": "status"})
        friendly(state, blank="Write something first")
        context = {**composer_context(request, state=state), "post": shown}
        context["next"] = safe_next(form.text("next"))
        if is_htmx(request):
            response = await fragment(request, "parts/edit_form.html", **context)
            response.set_status(exc.status if 400 <= exc.status < 500 else 422)
            response.headers["HX-Retarget"] = f"#edit-{shown.id}"
            response.headers["HX-Reswap"] = "outerHTML"
            return response
        return await page(request, "edit.html", http_status=422, **context)
    if is_htmx(request):
        return await fragment(request, "parts/post.html", post=await _view(request, edited))
    to = safe_next(form.text("next") or shown.path)
    raise redirect(request, to, flash="Your post is updated.")


# --- delete ----------------------------------------------------------------------------------


@routes.get(r"/posts/{post_id}/delete")
async def delete_page(request: web.Request) -> web.Response:
    """Without JavaScript, deleting asks first, on this page."""
    session = await member(request)
    shown = await _view(request, await _own(request, session.account))
    came_from = back(request, "/")
    return await page(request, "delete.html", post=shown, next=came_from)


@routes.post(r"/posts/{post_id}/delete")
async def delete(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    status = await _own(request, session.account)
    shown = await _view(request, status)
    await posts.delete_status(request.app[SERVICES], session.account, status.id)
    htmx = is_htmx(request)
    came_from = back(request) if htmx else safe_next(form_of(request).text("next"))
    on_its_page = came_from.partition("?")[0] == shown.path or came_from.startswith("/posts/")
    if htmx and not on_its_page:
        return web.Response(text="", content_type="text/html")  # the card goes
    raise redirect(request, "/" if on_its_page else came_from, flash="Your post was deleted.")
