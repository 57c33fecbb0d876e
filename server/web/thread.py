"""A post's page: the post, the conversation above it and the replies below it,
as far as the viewer may see them (``timelines.context``), and a reply box.

Local posts live at ``/@alice/ID`` (their canonical URL); a post from another
instance is shown here at ``/@bob@their.example/ID`` so members can reply to it
and act on it without leaving.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from server.appkeys import SERVICES
from server.services import objects, posts, timelines
from server.services.errors import NotFound
from server.store import accounts as accounts_q
from server.web.forms import FormState
from server.web.responses import page
from server.web.session import viewer
from server.web.views import Views


async def post_page(request: web.Request, acct: str, status_id: int) -> web.Response:
    """The page of a post whose author is ``acct`` (``user`` or ``user@domain``)."""
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    status = await posts.visible_status(svc, me, status_id)
    async with svc.db.read() as conn:
        author = await accounts_q.get_account(conn, status.account_id)
    if author is None or objects.acct(svc, author).lower() != acct.lower():
        raise NotFound("Nothing is here")
    if status.reblog_of_id is not None:
        raise NotFound("This is a boost; its post has a page of its own")
    thread = await timelines.context(svc, me, status.id)
    views = await Views(svc, me).load([*thread.ancestors, status, *thread.descendants])
    focus = views.post(status)
    if focus is None:
        raise NotFound("Nothing is here")
    return await page(
        request,
        "thread.html",
        post=focus,
        ancestors=views.posts(thread.ancestors),
        replies=views.posts(thread.descendants),
        composer=FormState.of({"status": "", "visibility": focus.visibility}),
        parent_id=focus.id,
        idempotency_key=secrets.token_urlsafe(16),
    )
