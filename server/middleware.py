"""Request middlewares: request ids and turning every error into a clear answer.

A refused request gets a 4xx whose body says why: JSON (``{"error": ...}``, as
Mastodon clients expect) for API and federation clients, an HTML page for
browsers. Anything unexpected is logged with its request id and becomes a 500
that says only that, and names the id.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

from federation.errors import FederationError, SchemaError, SignatureError
from server.appkeys import REQUEST_ID
from server.negotiation import wants_json
from server.services.errors import ServiceError, ValidationError
from server.web.responses import error_page

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_JSON_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/", "/inbox", "/actor")


def _prefers_json(request: web.Request) -> bool:
    if request.path.startswith(_JSON_PREFIXES) or request.path.endswith("/inbox"):
        return True
    return wants_json(request.headers.get("Accept"))


async def error_response(
    request: web.Request, status: int, message: str, **extra: object
) -> web.Response:
    """The one shape of every error answer."""
    if _prefers_json(request):
        body = {"error": message, **extra}
        return web.json_response(body, status=status)
    return await error_page(request, status, message)


_REASONS = {
    400: "The request is malformed",
    401: "This request needs valid authentication",
    403: "This is not allowed",
    404: "Nothing is here",
    405: "This method is not allowed here",
    406: "No representation matches the Accept header",
    413: "The request body is too large",
    415: "Unsupported content type",
}


def _http_error_message(exc: web.HTTPException) -> str:
    text = exc.text or ""
    if exc.content_type == "application/json":
        try:
            return str(json.loads(text).get("error") or exc.reason)
        except (ValueError, AttributeError):
            pass
    # aiohttp's default bodies look like "404: Not Found"; say something useful instead.
    if not text or text.startswith(f"{exc.status}:"):
        return _REASONS.get(exc.status, exc.reason)
    return text


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    request[REQUEST_ID] = request_id
    response = await handler(request)
    response.headers["X-Request-Id"] = request_id
    return response


@web.middleware
async def refuse_nul_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A NUL character in the path or the query is refused (PostgreSQL cannot store one,
    and no name, id or text of ours has one). Bodies are checked where they are read."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value for key, value in request.query.items()
    ):
        raise web.HTTPBadRequest(text="NUL characters are not allowed in a URL")
    return await handler(request)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if exc.content_type == "application/json" and _prefers_json(request):
            raise
        response = await error_response(request, exc.status, _http_error_message(exc))
        for name in ("Allow", "WWW-Authenticate", "Retry-After"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except ValidationError as exc:
        extra = {"field": exc.field} if exc.field else {}
        return await error_response(request, exc.status, exc.message, **extra)
    except ServiceError as exc:
        response = await error_response(request, exc.status, exc.message)
        retry_after = getattr(exc, "retry_after", None)  # limits say when to come back
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response
    except SignatureError as exc:
        return await error_response(request, 401, f"signature refused: {exc}")
    except SchemaError as exc:
        return await error_response(request, 400, str(exc), details=exc.problems)
    except FederationError as exc:
        return await error_response(request, 400, str(exc))
    except Exception:
        request_id = request.get(REQUEST_ID, "-")
        log.exception(
            "unhandled error in %s %s (request %s)", request.method, request.path, request_id
        )
        return await error_response(request, 500, f"internal error (request id {request_id})")
