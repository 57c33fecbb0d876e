"""Live updates for signed-in pages: the streaming hub as server-sent events of HTML.

Every signed-in page opens ``/live`` (htmx's SSE extension, ``sse-connect``
on ``<body>``). The member's ``user`` and ``user:notification`` streams come
from the same hub the client API streams from; each event is rendered here as
the HTML a page swaps in:

* ``post``: a new post for the home timeline (the viewer's own posts are not
  sent: the page that posted them already shows them); the home page holds
  them back behind a "Show new posts" button (``parts/live.html``);
* ``unread``: the notification badge with its new count;
* ``gone``: an out-of-band delete of a post that was deleted;
* ``edited``: an out-of-band replacement of a post that was edited;
* ``signedout``: the session ended; the page closes its stream (``sse-close``
  on ``<body>``) instead of reconnecting.

The stream ends when the session does (checked once per heartbeat), when the
client falls behind, or when the server stops; the browser then reconnects
(``retry``), and a visitor who is not signed in gets 204, which tells it to stop.
"""

from __future__ import annotations

import contextlib

from aiohttp import web

from server.api.streaming import pump
from server.appkeys import SERVICES
from server.services import posts, timelines, websessions
from server.services.context import Services
from server.services.errors import NotFound
from server.services.stream import USER, Event, NotificationEvent, Stream
from server.services.websessions import WebSession
from server.web import notifications
from server.web.responses import chrome
from server.web.routing import PageRoutes
from server.web.session import SESSION_COOKIE, viewer
from server.web.templating import render_html
from server.web.views import Views

routes = PageRoutes()
RETRY_MS = 5000  # how long a browser waits before reconnecting a dropped stream


class HtmlEvents:
    """Hub events as ``(event name, HTML)`` for one signed-in viewer."""

    def __init__(self, request: web.Request, session: WebSession, frame: dict[str, object]):
        self.request = request
        self.svc: Services = request.app[SERVICES]
        self.session = session
        self.frame = frame  # the page frame's values, for the templates

    def _render(self, template: str, **context: object) -> str:
        return render_html(self.request.config_dict, template, **{**self.frame, **context})

    async def render(self, event: Event) -> list[tuple[str, str]]:
        me = self.session.account
        if isinstance(event, NotificationEvent):
            return await self._notification(event)
        if event.event == "delete":
            oob = f'<div id="post-{event.status_id}" hx-swap-oob="delete"></div>'
            return [("gone", oob)]
        if event.event == "update" and me.id in event.authors:
            return []  # one's own post (or a boost of it): its page shows it already
        try:
            status = await posts.visible_status(self.svc, me, event.status_id)
        except NotFound:
            return []
        views = await Views(self.svc, me).load([status])
        shown = views.post(status)
        if shown is None:
            return []
        if event.event == "status.update":
            return [("edited", self._render("parts/post_body.html", post=shown))]
        return [("post", self._render("parts/post.html", post=shown, extra_class="new-post"))]

    async def _notification(self, event: NotificationEvent) -> list[tuple[str, str]]:
        me = self.session.account
        unread = await timelines.unseen_notifications(
            self.svc, me, self.session.notifications_seen_id
        )
        badge = self._render("parts/unread.html", unread=unread)
        shown = await notifications.shape(self.svc, me, [event.notification], seen_id=0)
        item = [self._render("parts/notification.html", item=n) for n in shown]
        return [("unread", badge), *(("notification", html) for html in item)]


def _data(html: str) -> str:
    """An SSE ``data`` field: one line per line of the HTML."""
    return "".join(f"data: {line}\n" for line in html.splitlines() or [""])


@routes.get("/live")
async def live(request: web.Request) -> web.StreamResponse:
    session = await viewer(request)
    if session is None:  # signed out meanwhile: 204 tells EventSource not to reconnect
        return web.Response(status=204, headers={"Cache-Control": "no-store"})
    svc = request.app[SERVICES]
    frame = await chrome(request)
    renderer = HtmlEvents(request, session, frame)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    token = request.cookies.get(SESSION_COOKIE, "")

    class Rendered:
        """``pump`` renders an event once per stream it is on: answer the batch once."""

        async def render(self, event: Event) -> tuple[str, str] | None:
            parts = await renderer.render(event)
            if not parts:
                return None
            return "batch", "".join(f"event: {name}\n{_data(html)}\n" for name, html in parts)

    async def send(_stream: Stream, _event: str, payload: str) -> None:
        await response.write(payload.encode())

    async def keepalive() -> None:
        await response.write(b": thump\n\n")

    async def still_signed_in() -> bool:
        return await websessions.resume(svc, token, ip=request.remote or "") is not None

    with svc.stream.subscribe(session.account.id) as sub:
        await svc.stream.load_exclusions(svc.db, session.account.id, [sub])
        sub.streams.add((USER,))  # the member's home feed and their notifications
        await response.prepare(request)
        await response.write(f"retry: {RETRY_MS}\n: connected\n\n".encode())
        with contextlib.suppress(ConnectionError, TimeoutError):
            if not await pump(svc.stream, sub, Rendered(), send, keepalive, still_signed_in):  # type: ignore[arg-type]
                await response.write(b"event: signedout\ndata: \n\n")
    return response
