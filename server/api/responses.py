"""JSON answers and Mastodon's Link-header pagination."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from yarl import URL

from server.appkeys import CONFIG


def ok(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data, ensure_ascii=False).encode(),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def link_header(request: web.Request, newest: int | None, oldest: int | None) -> str | None:
    """``next`` (older, ``max_id``) and ``prev`` (newer, ``min_id``) links that keep
    every other query parameter, as absolute URLs."""
    if newest is None or oldest is None:
        return None
    base = URL(request.app[CONFIG].base_url + request.path)
    kept = {k: v for k, v in request.query.items() if k not in ("max_id", "min_id", "since_id")}
    older = base.with_query({**kept, "max_id": str(oldest)})
    newer = base.with_query({**kept, "min_id": str(newest)})
    return f'<{older}>; rel="next", <{newer}>; rel="prev"'


def paged(request: web.Request, data: list[Any], cursors: Sequence[int]) -> web.Response:
    """A page of results; ``cursors`` are the paging ids, newest first."""
    link = link_header(request, cursors[0], cursors[-1]) if cursors else None
    return ok(data, headers={"Link": link} if link else None)
