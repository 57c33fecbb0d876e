"""What every client API answer carries: CORS and rate-limit headers.

Browser apps (Elk, Phanpy, ...) call the API from their own origin, so API,
OAuth and discovery answers allow any origin and expose the headers clients
read (``Link`` for paging, the rate-limit headers). Tokens are bearer tokens,
never cookies, so allowing every origin gives a page nothing it could not
already do with the token.

Rate limits work as Mastodon's do: a number of requests per window, per token
(per address without one), announced on every API answer with
``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``; past
it, 429 with a JSON error and ``Retry-After``. The counts are shared by every
process (``services.rate_limits``); the per-member limit is counted where the
token is read (``api.auth``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from server.appkeys import SERVICES

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CORS_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo")
EXPOSED = "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id"
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, Accept"
METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"


def _client_key(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else request.query.get("access_token")
    if token:
        return "t:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "a:" + (request.remote or "")


def make_middleware() -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """The middleware (the counters are the app's: ``Services.api_limits``)."""

    @web.middleware
    async def api_conventions(request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path
        if not path.startswith(CORS_PREFIXES):
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            return _with_cors(web.Response(status=204), preflight=True)
        headers: dict[str, str] = {}
        verdict = None
        if path.startswith("/api/"):
            verdict = await request.app[SERVICES].api_limits.client(_client_key(request))
        if verdict is not None:
            headers = {
                "X-RateLimit-Limit": str(verdict.limit),
                "X-RateLimit-Remaining": str(max(verdict.remaining, 0)),
                "X-RateLimit-Reset": datetime.fromtimestamp(verdict.reset, UTC)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
            }
            if verdict.remaining < 0:
                response = web.json_response({"error": "Too many requests"}, status=429)
                response.headers.update(headers)
                response.headers["Retry-After"] = str(max(int(verdict.reset - time.time()), 1))
                return _with_cors(response)
        # The error middleware runs inside this one: refusals are answers here too.
        response = await handler(request)
        if not response.prepared:  # a stream (SSE, WebSocket) set its own headers
            response.headers.update(headers)
            _with_cors(response)
        return response

    return api_conventions


def _with_cors(response: web.StreamResponse, *, preflight: bool = False) -> web.StreamResponse:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if preflight:
        response.headers["Access-Control-Allow-Methods"] = METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
