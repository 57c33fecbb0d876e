"""A post's page: the conversation above it, the post, the replies below it
(nested by depth: each under the one it answers), as far as the viewer may see
them (``timelines.context``), and a reply box (for a visitor: a prompt to sign in).

Local posts live at ``/@alice/ID`` (their canonical URL); a post from another
instance is shown here at ``/@bob@their.example/ID`` so members can reply to it
and act on it without leaving. Public posts carry Open Graph tags, so a link
to one previews well anywhere.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from aiohttp import web
from markupsafe import Markup

from server.appkeys import SERVICES
from server.services import graph, objects, timelines
from server.services.errors import NotFound
from server.web.composing import composer_context, reply_defaults, shown_status
from server.web.responses import page
from server.web.session import viewer
from server.web.views import PostView, Views

SUMMARY_CHARS = 200


def nested(focus_id: int, replies: list[PostView]) -> list[PostView]:
    """Replies in reading order: each followed by its own replies (depth-first,
    oldest first at each level), with its depth below the post in focus."""
    children: dict[int | None, list[PostView]] = defaultdict(list)
    for reply in replies:
        children[reply.in_reply_to_id].append(reply)
    ordered: list[PostView] = []
    stack = [(r, 1) for r in reversed(children[focus_id])]
    while stack:
        reply, depth = stack.pop()
        ordered.append(replace(reply, depth=depth))
        stack += [(r, depth + 1) for r in reversed(children[reply.id])]
    return ordered


def summary(post: PostView) -> str:
    """The post's words for link previews: its content warning if it has one."""
    if post.spoiler:
        return post.spoiler
    text = " ".join(Markup(post.content).striptags().split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"


async def post_page(request: web.Request, acct: str, status_id: int) -> web.Response:
    """The page of a post whose author is ``acct`` (``user`` or ``user@domain``)."""
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    status = await shown_status(svc, me, status_id)
    try:
        author = await graph.get_account(svc, status.account_id)
    except NotFound:
        author = None
    if author is None or objects.acct(svc, author).lower() != acct.lower():
        raise NotFound("This post does not exist, or you may not see it")
    if status.reblog_of_id is not None:
        raise NotFound("This is a boost; its post has a page of its own")
    thread = await timelines.context_of(svc, me, status)
    views = await Views(svc, me).load(
        [*thread.ancestors, status, *thread.descendants], people=[author]
    )
    focus = views.post(status)
    if focus is None:
        raise NotFound("This post does not exist, or you may not see it")
    ancestors = views.posts(thread.ancestors)
    first = thread.ancestors[0] if thread.ancestors else status
    context = composer_context(request, state=reply_defaults(focus))
    return await page(
        request,
        "thread.html",
        post=focus,
        ancestors=ancestors,
        more_above=first.in_reply_to_id is not None,
        replies=nested(focus.id, views.posts(thread.descendants)),
        parent_id=focus.id,
        form_key="thread",
        mode="thread",
        shareable=focus.visibility in ("public", "unlisted"),
        canonical=_absolute(svc.urls.base, focus.url),
        summary=summary(focus),
        image=focus.images[0] if focus.images else None,
        image_url=_absolute(svc.urls.base, focus.images[0].url) if focus.images else "",
        avatar=_absolute(svc.urls.base, focus.author.avatar),
        **context,
    )


def _absolute(base: str, url: str) -> str:
    return url if url.startswith(("http://", "https://")) else base + url
