"""A member's streaming connection in tests (tests/app): connect, wait, read events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from apiclient import Member

from server.appkeys import SERVICES
from server.services.stream import Hub

WS = "/api/v1/streaming"


def hub(client: TestClient) -> Hub:
    return client.app[SERVICES].stream


async def subscribed(client: TestClient, *streams: tuple[str, ...]) -> None:
    """Wait until the server has taken the subscriptions (there is no ack)."""
    for _ in range(200):
        held = [s for sub in hub(client).subscriptions for s in sub.streams]
        if all(s in held for s in streams):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not subscribed: {streams}")


async def connect(
    m: Member, stream: str | None = None, how: str = "header", **params: str
) -> aiohttp.ClientWebSocketResponse:
    query = dict(params)
    if stream:
        query["stream"] = stream
    kw: dict[str, Any] = {}
    if how == "header":
        kw["headers"] = {"Authorization": f"Bearer {m.token}"}
    elif how == "query":
        query["access_token"] = m.token
    elif how == "protocol":
        kw["protocols"] = (m.token,)
    return await m.client.ws_connect(WS, params=query, **kw)


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await ws.receive_json(timeout=5)
    return message


async def event(ws: aiohttp.ClientWebSocketResponse) -> tuple[list[str], str, Any]:
    """The next event: its stream, name and decoded payload (a delete's is an id)."""
    message = await receive(ws)
    payload = message["payload"]
    if message["event"] != "delete":
        assert isinstance(payload, str)
        payload = json.loads(payload)
    return message["stream"], message["event"], payload
