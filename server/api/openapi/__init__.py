"""The OpenAPI 3.1 description of the client API, built from the app's router.

Every route under ``/api/`` and ``/oauth/`` (and the OAuth server metadata) is
in it, whoever added it: the router is the source of the paths, methods and
path parameters, so a new route is described the moment it exists. An
``{action:a|b}`` path part becomes one path per action. ``mastodon``, ``warmline``,
``clients`` and ``admin`` add what the router cannot know (summary, scope,
parameters, the entity answered); a route they do not know still appears, with a
generic JSON answer.
Served at ``GET /api/openapi.json``.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from server import __version__
from server.api.openapi import admin, clients, mastodon, warmline
from server.api.openapi.ops import Op, response_schema
from server.api.openapi.schemas import COMPONENTS, ref
from server.api.responses import ok
from server.appkeys import CONFIG

routes = web.RouteTableDef()
OPERATIONS = {
    **mastodon.OPERATIONS,
    **warmline.OPERATIONS,
    **clients.OPERATIONS,
    **admin.OPERATIONS,
}

PREFIXES = ("/api/", "/oauth/", "/.well-known/oauth-authorization-server")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_GROUP = re.compile(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>")
_WORDS = re.compile(r"^[A-Za-z0-9_.-]+(?:\|[A-Za-z0-9_.-]+)*$")
BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
ERROR = {
    "description": 'Refused: `{"error": ...}` (401 no or bad token, 403 scope or role, 404, 409, '
    "422 invalid parameter, 429 rate limit)",
    "content": {"application/json": {"schema": ref("Error")}},
}


def _groups(pattern: str) -> list[tuple[str, str, int, int]]:
    """The named groups of a route's regex: (name, body, start, end) of each."""
    found = []
    for match in _GROUP.finditer(pattern):
        depth, i = 1, match.end()
        while depth and i < len(pattern):
            if pattern[i] == "\\":
                i += 2
                continue
            depth += {"(": 1, ")": -1}.get(pattern[i], 0)
            i += 1
        found.append((match.group(1), pattern[match.end() : i - 1], match.start(), i))
    return found


def _unescape(literal: str) -> str:
    return re.sub(r"\\(.)", r"\1", literal)


def expand(resource: web.AbstractResource) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """A route's OpenAPI paths, each with its path parameters' schemas.

    ``/a/{id:\\d+}/{action:x|y}`` gives ``/a/{id}/x`` and ``/a/{id}/y``."""
    info = resource.get_info()
    if "pattern" not in info:
        return [(info.get("path") or resource.canonical, {})]
    pattern = info["pattern"].pattern
    paths: list[tuple[str, dict[str, dict[str, Any]]]] = [("", {})]
    position = 0
    for name, body, start, end in _groups(pattern):
        literal = _unescape(pattern[position:start])
        position = end
        if _WORDS.match(body):  # an alternation of fixed words: one path each
            choices = [_unescape(word) for word in body.split("|")]
            paths = [(p + literal + c, params) for p, params in paths for c in choices]
            continue
        schema: dict[str, Any] = {"type": "string"}
        if body == r"\d+":
            schema["pattern"] = "^[0-9]+$"
        elif body != "[^{}/]+":
            schema["pattern"] = f"^(?:{body})$"
        paths = [(p + literal + "{" + name + "}", {**params, name: schema}) for p, params in paths]
    tail = _unescape(pattern[position:])
    return [(p + tail, params) for p, params in paths]


def _security(op: Op) -> list[dict[str, list[str]]] | None:
    if op.scope is None:
        return []
    needed = [{"bearer": [op.scope]}]
    return [{}, *needed] if op.optional else needed


def _parameter(name: str, where: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": name, "in": where, "required": required}
    parameter["schema"] = schema
    if schema.get("type") == "array":
        parameter.update(style="form", explode=True)
    return parameter


def operation(method: str, path: str, path_params: dict[str, dict[str, Any]]) -> dict[str, Any]:
    op = OPERATIONS.get((method, path))
    parameters = [_parameter(n, "path", s, True) for n, s in path_params.items()]
    described: dict[str, Any] = {"operationId": _operation_id(method, path)}
    if op is None:
        described.update(summary=f"{method} {path}", tags=["Other"])
        described["responses"] = {
            "200": {"description": "A JSON answer", "content": {"application/json": {}}},
            "4XX": ERROR,
        }
        described["parameters"] = parameters
        return described
    described.update(summary=op.summary, tags=[op.tag])
    if op.scope is not None:
        described["description"] = f"Scope: `{op.scope}`" + (
            " (the token is optional)" if op.optional else ""
        )
    described["security"] = _security(op)
    parameters += [_parameter(n, "query", s, n in op.required) for n, s in op.query.items()]
    described["parameters"] = parameters
    if op.body is not None:
        schema = {"type": "object", "properties": op.body}
        if op.required:
            schema["required"] = list(op.required)
        described["requestBody"] = {
            "required": bool(op.required),
            "content": {kind: {"schema": schema} for kind in BODY_TYPES},
        }
    answer: dict[str, Any] = {
        "description": "OK",
        "content": {"application/json": {"schema": response_schema(op)}},
    }
    if op.paged:
        answer["headers"] = {
            "Link": {"description": "next/prev pages", "schema": {"type": "string"}}
        }
    described["responses"] = {"200": answer, "4XX": ERROR}
    return described


def _operation_id(method: str, path: str) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", path.replace("{", "by_")).strip("_")
    return f"{method.lower()}_{words}"


def api_routes(app: web.Application) -> list[tuple[str, web.AbstractResource]]:
    """(method, resource) of every route the description covers."""
    found = []
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method not in METHODS:
            continue
        path = resource.canonical
        if path.endswith("/") and len(path) > 1:
            continue  # the trailing-slash spelling of a documented path (server/app.py)
        if path.startswith(PREFIXES):
            found.append((route.method, resource))
    return found


def build(app: web.Application) -> dict[str, Any]:
    """The OpenAPI document for ``app``'s routes, as they are now."""
    paths: dict[str, dict[str, Any]] = {}
    for method, resource in api_routes(app):
        for path, path_params in expand(resource):
            paths.setdefault(path, {})[method.lower()] = operation(method, path, path_params)
    config = app[CONFIG]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Warmline client API",
            "version": __version__,
            "description": "A subset of the Mastodon client API, plus Warmline's own "
            "routes under /api/v1/warmline. See docs/api.md.",
        },
        "servers": [{"url": config.base_url}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": COMPONENTS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `warmline token create` (also accepted as "
                    "the access_token query parameter). Requirements list the scope needed.",
                }
            },
        },
    }


@routes.get("/api/openapi.json")
async def openapi_json(request: web.Request) -> web.Response:
    return ok(build(request.app))
