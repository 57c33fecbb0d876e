"""Bearer tokens and scopes on every API call."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import tokens
from server.services.errors import Forbidden, Unauthorized
from server.services.tokens import Authenticated, Grant

AUTH = web.RequestKey("auth", Authenticated)
COUNTED = web.RequestKey("counted", bool)  # the request was counted against its member


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.query.get("access_token") or None


async def optional(request: web.Request, *scopes: str) -> Authenticated | None:
    """The caller if a token was given (a bad token is still an error).

    An app-only token reads public things like no token at all."""
    token = _bearer(request)
    if token is None:
        return None
    found = await grant(request, *scopes)
    return None if found.account is None else _member(request, found)


async def grant(request: web.Request, *scopes: str) -> Grant:
    """A member's or an app-only token holding one of ``scopes`` (401 / 403)."""
    token = _bearer(request)
    if token is None:
        raise Unauthorized("The access token is invalid")
    svc = request.app[SERVICES]
    found = await tokens.grant_for(svc.db, token)
    if found.account is not None and COUNTED not in request:  # a member's own allowance
        request[COUNTED] = True
        await svc.api_limits.account(found.account.id)
    if not any(tokens.scope_allows(found.scopes, scope) for scope in scopes):
        raise Forbidden("This action is outside the authorized scopes")
    return found


async def required(request: web.Request, *scopes: str) -> Authenticated:
    """The authenticated member, holding one of ``scopes`` (401 without a token, 403 without
    the scope or with an app-only token)."""
    found = await grant(request, *scopes)
    if found.account is None:
        raise Forbidden("This method requires an authenticated user")
    return _member(request, found)


def _member(request: web.Request, found: Grant) -> Authenticated:
    assert found.account is not None
    me = Authenticated(found.account, found.scopes, found.token_id, found.application_id)
    request[AUTH] = me
    return me
