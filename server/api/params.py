"""Request parameters the way Mastodon clients send them.

Bodies arrive as JSON, form-encoded or multipart; arrays as ``key[]``;
booleans as ``true``/``1``/``on``. Everything is read into one multidict.
Values from a JSON body keep their JSON type, and a handler reads each
parameter through the reader of the type it wants (``text``, ``boolean``,
``integer``, ``identifier``, ``strings``): a value of another type is a 422
that names the parameter, never silently turned into text. Form values are
always text, so forms read exactly as before.
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


Params = MultiDict[Any] | MultiDictProxy[Any]


def _flatten(data: dict[str, Any]) -> MultiDict[Any]:
    """A JSON object as parameters: lists become ``key[]``, null is left out, and
    every other value keeps its type for the readers below to check."""
    out: MultiDict[Any] = MultiDict()
    for key, value in data.items():
        if isinstance(value, list):
            for item in value:
                out.add(f"{key}[]", item)
        elif value is not None:
            out.add(key, value)
    return out


def _kind(value: Any) -> str:
    """What a value of the wrong type is, in words."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a file" if hasattr(value, "file") else type(value).__name__


def _single(params: Params, name: str) -> Any:
    """The one value of ``name``; a list (``name[]``) where one value is expected is a 422."""
    value = params.get(name)
    if value is None and f"{name}[]" in params:
        raise ValidationError(f"{name} must be a single value, not a list", field=name)
    return value


def text(params: Params, name: str, default: str = "") -> str:
    """A string parameter (``default`` when absent); any other type is a 422."""
    value = optional_text(params, name)
    return default if value is None else value


def optional_text(params: Params, name: str) -> str | None:
    """A string parameter, or None when absent; any other type is a 422."""
    value = _single(params, name)
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, not {_kind(value)}", field=name)
    return value


def identifier(params: Params, name: str) -> int | None:
    """An id, as a string (as Mastodon sends ids) or a JSON integer; None when absent."""
    value = _single(params, name)
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    found = ids.parse(value.strip()) if isinstance(value, str) else None
    if found is None:
        raise ValidationError(f"{name} must be an id", field=name)
    return found


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
            raw = await request.read()
            try:
                data = json.loads(raw or b"{}")
                if not isinstance(data, dict):
                    raise ValidationError("the JSON body must be an object")
                refuse_nul(data)
            except ValueError as exc:
                raise ValidationError(f"the body is not valid JSON: {exc}") from None
            except RecursionError:
                raise ValidationError("the body is not valid JSON: nested too deeply") from None
            merged.extend(_flatten(data))
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            merged.extend(await form(request))
    return merged


def boolean(params: Params, name: str, default: bool = False) -> bool:
    """JSON true/false (or 0/1), or a form's ``true``/``1``/``on``/``false``/``0``/``off``..."""
    value = _single(params, name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in TRUE or lowered in FALSE:
            return lowered in TRUE
    elif isinstance(value, int) and value in (0, 1):
        return value == 1
    raise ValidationError(f"{name} must be true or false", field=name)


def integer(params: Params, name: str, default: int | None = None) -> int | None:
    """A whole number, as text or a JSON integer."""
    value = _single(params, name)
    if value in (None, ""):
        return default
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValidationError(f"{name} must be a number, not {_kind(value)}", field=name)
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(f"{name} must be a number", field=name) from None
    if not -ids.MAX_ID - 1 <= number <= ids.MAX_ID:  # what a 64-bit column holds
        raise ValidationError(f"{name} is out of range", field=name)
    return number


def strings(params: Params, name: str) -> list[str]:
    """An array parameter: ``name[]`` repeated (or ``name`` repeated) of strings
    (JSON integers read as their digits: some clients send ids as numbers)."""
    values = params.getall(f"{name}[]", []) or params.getall(name, [])
    for value in values:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValidationError(f"{name} must be a list of strings", field=name)
    return [str(value) for value in values]


def limit(params: Params, *, default: int, maximum: int) -> int:
    """``limit``, kept between 1 and ``maximum`` (Mastodon clamps rather than refuses)."""
    return min(max(integer(params, "limit", default) or default, 1), maximum)


def page(params: Params, *, default: int = 20, maximum: int = 40) -> Page:
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


def id_list(params: Params, name: str) -> list[int]:
    """An array of ids (``name[]``); what is not an id is left out."""
    return [i for i in map(ids.parse, strings(params, name)) if i is not None]
