"""Streaming: ``/api/v1/streaming`` over WebSocket and as server-sent events.

As Mastodon does it: the token as a Bearer header, the ``access_token`` query
parameter or (WebSocket) the ``Sec-WebSocket-Protocol``; the first stream from
``stream=`` (``tag=`` for hashtags), then ``subscribe``/``unsubscribe``
messages. A bad token is refused before the upgrade. Events come from the
hub on ``Services`` (``services/stream``); each is shaped here for the viewer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from server.api.entities import Presenter
from server.appkeys import SERVICES
from server.services import posts, timelines, tokens
from server.services.context import Services
from server.services.errors import NotFound, ServiceError, Unauthorized
from server.services.stream import (
    NOTIFICATIONS,
    STREAMS,
    TAG_STREAMS,
    USER,
    Event,
    Hub,
    NotificationEvent,
    Stream,
    Subscription,
)
from server.services.tokens import Authenticated

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

SSE_PATHS = {
    "user": USER,
    "user/notification": NOTIFICATIONS,
    "public": "public",
    "public/local": "public:local",
    "public/remote": "public:remote",
    "hashtag": "hashtag",
    "hashtag/local": "hashtag:local",
}
MAX_STREAMS = 50  # subscriptions on one WebSocket
MAX_TAG = 100
Send = Callable[[Stream, str, str], Awaitable[None]]


def _token(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return (
        request.query.get("access_token")
        or request.headers.get("Sec-WebSocket-Protocol", "").strip()
        or None
    )


async def _authenticate(request: web.Request) -> Authenticated | None:
    token = _token(request)
    if token is None:
        return None
    return await tokens.authenticate(request.app[SERVICES].db, token)


def parse_stream(name: Any, tag: Any, auth: Authenticated | None) -> Stream:
    """A stream as a client named it, checked against the caller's token."""
    if not isinstance(name, str) or name not in STREAMS:
        raise ServiceError("Unknown stream type")
    if name in (USER, NOTIFICATIONS):
        if auth is None:
            raise Unauthorized("Missing access token")
        needed = "read:notifications" if name == NOTIFICATIONS else "read:statuses"
        if not tokens.scope_allows(auth.scopes, needed):
            raise Unauthorized("Access token does not cover required scopes")
    if name in TAG_STREAMS:
        tag = tag.strip().lstrip("#").lower() if isinstance(tag, str) else ""
        if not tag or len(tag) > MAX_TAG:
            raise ServiceError("No tag for stream provided")
        return (name, tag)
    return (name,)


class Renderer:
    """Events as the viewer's entities: ``(event, payload)``, or None when the
    viewer may not (or no longer can) see it."""

    def __init__(self, svc: Services, auth: Authenticated | None, *, warmline: bool) -> None:
        self.svc = svc
        self.viewer = auth.account if auth else None
        self.warmline = warmline
        self._last: tuple[Event, tuple[str, str] | None] | None = None

    async def render(self, event: Event) -> tuple[str, str] | None:
        if self._last is not None and self._last[0] is event:  # on two of its streams
            return self._last[1]
        rendered = await self._render(event)
        self._last = (event, rendered)
        return rendered

    async def _render(self, event: Event) -> tuple[str, str] | None:
        svc = self.svc
        if isinstance(event, NotificationEvent):
            row = event.notification
            if row.type.startswith("warmline.") and not self.warmline:
                return None
            found = await timelines.statuses_by_id(svc, [row.status_id] if row.status_id else [])
            presenter = await Presenter(svc, self.viewer).load(found, [row.from_account_id])
            if row.from_account_id not in presenter.accounts:
                return None
            return "notification", _json(presenter.notification(row))
        if event.event == "delete":
            return "delete", str(event.status_id)
        try:
            status = await posts.visible_status(svc, self.viewer, event.status_id)
        except NotFound:
            return None
        presenter = await Presenter(svc, self.viewer).load([status])
        return event.event, _json(presenter.status(status))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def pump(
    hub: Hub,
    sub: Subscription,
    renderer: Renderer,
    send: Send,
    keepalive: Callable[[], Awaitable[None]] | None = None,
    signed_in: Callable[[], Awaitable[bool]] | None = None,
) -> bool:
    """Send the subscription's events until it is dropped (it fell behind), a
    send takes longer than ``hub.send_timeout``, or ``signed_in`` (asked once
    per heartbeat) says the token was revoked: then False. A closed connection
    raises."""
    loop = asyncio.get_running_loop()
    recheck_at = loop.time() + hub.heartbeat
    while not sub.dropped.is_set():
        if signed_in is not None and loop.time() >= recheck_at:
            if not await signed_in():
                return False
            recheck_at = loop.time() + hub.heartbeat
        try:
            stream, event = await asyncio.wait_for(sub.queue.get(), hub.heartbeat)
        except TimeoutError:
            if keepalive is not None:
                await asyncio.wait_for(keepalive(), hub.send_timeout)
            continue
        if sub.dropped.is_set():
            break
        rendered = await renderer.render(event)
        if rendered is not None:
            await asyncio.wait_for(send(stream, *rendered), hub.send_timeout)
    return True


def _signed_in(svc: Services, request: web.Request) -> Callable[[], Awaitable[bool]] | None:
    """For a stream opened with a token: whether that token still works (revoked
    tokens and suspended members end their open streams within a heartbeat)."""
    token = _token(request)
    if token is None:
        return None

    async def check() -> bool:
        try:
            await tokens.grant_for(svc.db, token)
        except Unauthorized:
            return False
        return True

    return check


@routes.get("/api/v1/streaming/health")
async def health(request: web.Request) -> web.Response:
    return web.Response(text="OK")


@routes.get("/api/v1/streaming")
async def streaming(request: web.Request) -> web.StreamResponse:
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await websocket(request)
    return await server_sent_events(request, request.query.get("stream"))


@routes.get("/api/v1/streaming/{path:.+}")
async def sse_path(request: web.Request) -> web.StreamResponse:
    name = SSE_PATHS.get(request.match_info["path"].rstrip("/"))
    if name is None:
        raise NotFound("Nothing is here")
    return await server_sent_events(request, name)


def _wants_warmline(request: web.Request) -> bool:
    return request.query.get("warmline", "").lower() in ("1", "true")


async def _load_exclusions(svc: Services, auth: Authenticated | None, sub: Subscription) -> None:
    """Before the first stream is added: whom a signed-in viewer's streams leave out."""
    if auth is not None:
        await svc.stream.load_exclusions(svc.db, auth.account.id, [sub])


async def server_sent_events(request: web.Request, name: str | None) -> web.StreamResponse:
    svc = request.app[SERVICES]
    auth = await _authenticate(request)
    stream = parse_stream(name, request.query.get("tag"), auth)
    renderer = Renderer(svc, auth, warmline=_wants_warmline(request))
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )

    async def send(_stream: Stream, event: str, payload: str) -> None:
        await response.write(f"event: {event}\ndata: {payload}\n\n".encode())

    async def keepalive() -> None:
        await response.write(b":thump\n")

    with svc.stream.subscribe(auth.account.id if auth else None) as sub:
        await _load_exclusions(svc, auth, sub)
        sub.streams.add(stream)
        await response.prepare(request)
        await response.write(b":)\n")
        with contextlib.suppress(ConnectionError, TimeoutError):  # gone, or too slow
            await pump(svc.stream, sub, renderer, send, keepalive, _signed_in(svc, request))
    return response


async def websocket(request: web.Request) -> web.WebSocketResponse:
    svc = request.app[SERVICES]
    auth = await _authenticate(request)  # a bad token: 401 before the upgrade
    initial = request.query.get("stream")
    if auth is None and initial in (USER, NOTIFICATIONS):
        raise Unauthorized("Missing access token")
    offered = request.headers.get("Sec-WebSocket-Protocol", "").strip()
    ws = web.WebSocketResponse(
        protocols=(offered,) if offered else (), heartbeat=svc.stream.heartbeat
    )
    renderer = Renderer(svc, auth, warmline=_wants_warmline(request))

    async def send(stream: Stream, event: str, payload: str) -> None:
        await ws.send_str(_json({"stream": list(stream), "event": event, "payload": payload}))

    with svc.stream.subscribe(auth.account.id if auth else None) as sub:
        await _load_exclusions(svc, auth, sub)
        await ws.prepare(request)
        if initial:
            await _subscribe(ws, sub, auth, "subscribe", initial, request.query.get("tag"))
        reader = asyncio.create_task(_read(ws, sub, auth))
        sender = asyncio.create_task(
            pump(svc.stream, sub, renderer, send, signed_in=_signed_in(svc, request))
        )
        await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
        if sub.closing:  # the server is stopping
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
        elif sender.done() and not sender.exception() and sender.result() is False:
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"access token revoked")
        elif sender.done():  # fell behind or the connection broke: close it
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")
        sender.cancel()
        await asyncio.gather(reader, sender, return_exceptions=True)
    return ws


async def _read(ws: web.WebSocketResponse, sub: Subscription, auth: Authenticated | None) -> None:
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            data = json.loads(message.data)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("type") not in ("subscribe", "unsubscribe"):
            await ws.send_str(_json({"error": "Unknown message type", "status": 400}))
            continue
        await _subscribe(ws, sub, auth, data["type"], data.get("stream"), data.get("tag"))


async def _subscribe(
    ws: web.WebSocketResponse,
    sub: Subscription,
    auth: Authenticated | None,
    kind: str,
    name: Any,
    tag: Any,
) -> None:
    try:
        stream = parse_stream(name, tag, auth)
        if kind == "unsubscribe":
            sub.streams.discard(stream)
        elif len(sub.streams) >= MAX_STREAMS and stream not in sub.streams:
            raise ServiceError(f"At most {MAX_STREAMS} streams on one connection")
        else:
            sub.streams.add(stream)
    except ServiceError as exc:
        await ws.send_str(_json({"error": exc.message, "status": exc.status}))
