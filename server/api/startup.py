"""What apps call when they start, answered truthfully: Warmline has no
filters, custom emojis, announcements, trends or followed tags yet, so these
are empty (but correctly shaped, and scope-checked like Mastodon's).

Markers: ``GET /api/v1/markers`` answers ``{}`` and ``POST`` echoes the
posted markers in Mastodon's shape without storing them (a markers table is
for later); apps then simply start at the top of their timelines.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from server.api import auth, params
from server.api.entities import date
from server.api.responses import ok
from server.services.errors import ValidationError

routes = web.RouteTableDef()
PUBLIC = {"Access-Control-Allow-Origin": "*"}


def _empty_list(scope: str | None):  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.Response:
        if scope is not None:
            await auth.required(request, scope)
        return ok([], headers=None if scope else PUBLIC)

    return handler


_EMPTY_LISTS = {
    "/api/v1/followed_tags": "read:follows",
    "/api/v1/filters": "read:filters",
    "/api/v2/filters": "read:filters",
    "/api/v1/announcements": "read",
    "/api/v1/custom_emojis": None,
    "/api/v1/trends": None,
    "/api/v1/trends/tags": None,
    "/api/v1/trends/statuses": None,
    "/api/v1/trends/links": None,
}
for _path, _scope in _EMPTY_LISTS.items():
    routes.get(_path)(_empty_list(_scope))


@routes.get("/api/v1/preferences")
async def preferences(request: web.Request) -> web.Response:
    await auth.required(request, "read:accounts")
    return ok(
        {
            "posting:default:visibility": "public",
            "posting:default:sensitive": False,
            "posting:default:language": None,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )


@routes.get("/api/v1/markers")
async def markers(request: web.Request) -> web.Response:
    await auth.required(request, "read:statuses")
    return ok({})


@routes.post("/api/v1/markers")
async def save_markers(request: web.Request) -> web.Response:
    """Accepted and echoed, not stored (see the module docstring)."""
    await auth.required(request, "write:statuses")
    form = await params.body(request)
    now = date(datetime.now(UTC))
    answer = {}
    for timeline in ("home", "notifications"):
        last = form.get(f"{timeline}[last_read_id]")
        nested = form.get(timeline)
        if last is None and isinstance(nested, dict):
            last = nested.get("last_read_id")
        if isinstance(last, bool) or not isinstance(last, str | int | None):
            name = f"{timeline}[last_read_id]"
            raise ValidationError(f"{name} must be an id", field=name)
        if last is not None:
            answer[timeline] = {"last_read_id": str(last), "version": 1, "updated_at": now}
    return ok(answer)
