"""Bearer tokens and scopes on every API call."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import tokens
from server.services.errors import Forbidden, Unauthorized
from server.services.tokens import Authenticated

AUTH = web.RequestKey("auth", Authenticated)


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("access_token") or None


async def optional(request: web.Request, scope: str) -> Authenticated | None:
    """The caller if a token was given (a bad token is still an error)."""
    token = _bearer(request)
    if token is None:
        return None
    return await required(request, scope)


async def required(request: web.Request, scope: str) -> Authenticated:
    """The authenticated member, holding ``scope`` (401 without a token, 403 without the scope)."""
    token = _bearer(request)
    if token is None:
        raise Unauthorized("The access token is invalid")
    found = await tokens.authenticate(request.app[SERVICES].db, token)
    if not tokens.scope_allows(found.scopes, scope):
        raise Forbidden("This action is outside the authorized scopes")
    request[AUTH] = found
    return found
