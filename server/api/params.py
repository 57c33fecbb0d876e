"""Request parameters the way Mastodon clients send them.

Bodies arrive as JSON, form-encoded or multipart; arrays as ``key[]``;
booleans as ``true``/``1``/``on``. Everything is read into one multidict.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDict, MultiDictProxy

from server import ids
from server.services.errors import NotFound, ValidationError
from server.store.statuses import Page

TRUE = {"1", "true", "on", "yes", "t"}
FALSE = {"0", "false", "off", "no", "f", ""}


def _flatten(data: dict[str, Any]) -> MultiDict[Any]:
    out: MultiDict[Any] = MultiDict()
    for key, value in data.items():
        if isinstance(value, list):
            for item in value:
                out.add(f"{key}[]", item)
        elif isinstance(value, bool):
            out.add(key, "true" if value else "false")
        elif value is None:
            continue
        else:
            out.add(key, value if isinstance(value, dict) else str(value))
    return out


def refuse_nul(value: Any, name: str = "") -> None:
    """Refuse a NUL character anywhere in a parameter's value (PostgreSQL cannot store
    one in text, and no text of ours has a use for it)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError("NUL characters are not allowed", field=name or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key, name)
            refuse_nul(item, f"{name}.{key}" if name else str(key))
    elif isinstance(value, list):
        for item in value:
            refuse_nul(item, name)


async def form(request: web.Request) -> MultiDictProxy[Any]:
    """A form body (url-encoded or multipart); one that cannot be read is a 422."""
    try:
        found = await request.post()
    except (ValueError, HttpProcessingError) as exc:  # bad encoding, boundary, part headers
        raise ValidationError(f"the form body could not be read: {exc}") from None
    for key, value in found.items():
        refuse_nul(key)
        refuse_nul(value, key)
    return found


async def body(request: web.Request) -> MultiDictProxy[Any] | MultiDict[Any]:
    """The request's parameters: the body merged over the query string."""
    merged: MultiDict[Any] = MultiDict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                data = json.loads(await request.read() or b"{}")
            except ValueError as exc:
                raise ValidationError(f"the body is not valid JSON: {exc}") from None
            if not isinstance(data, dict):
                raise ValidationError("the JSON body must be an object")
            refuse_nul(data)
            merged.extend(_flatten(data))
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            merged.extend(await form(request))
    return merged


def boolean(params: MultiDict[Any] | MultiDictProxy[Any], name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None:
        return default
    lowered = str(value).strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValidationError(f"{name} must be true or false", field=name)


def integer(
    params: MultiDict[Any] | MultiDictProxy[Any], name: str, default: int | None = None
) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise ValidationError(f"{name} must be a number", field=name) from None
    if not -ids.MAX_ID - 1 <= number <= ids.MAX_ID:  # what a 64-bit column holds
        raise ValidationError(f"{name} is out of range", field=name)
    return number


def strings(params: MultiDict[Any] | MultiDictProxy[Any], name: str) -> list[str]:
    """An array parameter: ``name[]`` repeated (or ``name`` repeated)."""
    return [str(v) for v in params.getall(f"{name}[]", [])] or [
        str(v) for v in params.getall(name, [])
    ]


def limit(params: MultiDict[Any] | MultiDictProxy[Any], *, default: int, maximum: int) -> int:
    """``limit``, kept between 1 and ``maximum`` (Mastodon clamps rather than refuses)."""
    return min(max(integer(params, "limit", default) or default, 1), maximum)


def page(
    params: MultiDict[Any] | MultiDictProxy[Any], *, default: int = 20, maximum: int = 40
) -> Page:
    return Page(
        limit=limit(params, default=default, maximum=maximum),
        max_id=integer(params, "max_id"),
        since_id=integer(params, "since_id"),
        min_id=integer(params, "min_id"),
    )


def path_id(request: web.Request, name: str = "id") -> int:
    found = ids.parse(request.match_info[name])
    if found is None:
        raise NotFound("Record not found")
    return found


def id_list(params: MultiDict[Any] | MultiDictProxy[Any], name: str) -> list[int]:
    """An array of ids (``name[]``); what is not an id is left out."""
    return [i for i in map(ids.parse, strings(params, name)) if i is not None]
