"""PATCH /api/v1/accounts/update_credentials: the standard fields and the ``warmline`` profile.

Bodies come as JSON or as forms (url-encoded or multipart) with Rails-style
keys, as Mastodon apps send them: ``fields_attributes[0][name]``,
``warmline[skills][]``, ``warmline[experience][0][title]``. Both are read into
one nested value and handed to the one service function that changes a
profile and tells followers (``services.actors.change_profile``).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from server.api import auth, params
from server.api.entities import Presenter
from server.api.responses import ok
from server.api.uploads import read_form
from server.appkeys import SERVICES
from server.services.actors import change_profile
from server.services.errors import ValidationError
from server.services.members import ProfileChanges

routes = web.RouteTableDef()

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
WARMLINE_KEYS = (
    "headline", "industry", "location", "open_to", "experience", "education", "skills",
    "links", "connections_visibility", "accepts_introductions",
)  # fmt: skip
PICTURES = ("avatar", "header")
FIELDS_ATTRIBUTES_MAX = 16  # what arrives; the service keeps at most its own limit


def _path(key: str) -> list[str]:
    match = _KEY.match(key)
    if match is None:
        return [key]
    return [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]


def nest(pairs: Any) -> dict[str, Any]:
    """Rails-style form keys to a nested value: ``a[b][0][c]`` and ``a[]`` (a list)."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = _path(key)
        node: Any = root
        for part, following in itertools.pairwise(parts):
            if part == "" or not isinstance(node, dict):
                raise ValidationError(f"cannot read the form key {key!r}", field=parts[0])
            child = node.setdefault(part, [] if following == "" else {})
            if not isinstance(child, list if following == "" else dict):
                raise ValidationError(f"cannot read the form key {key!r}", field=parts[0])
            node = child
        last = parts[-1]
        if isinstance(node, list) and last == "":
            node.append(value)
        elif isinstance(node, dict) and last != "":
            node[last] = value
        else:
            raise ValidationError(f"cannot read the form key {key!r}", field=parts[0])
    return root


async def read_body(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The nested body, and the ``avatar`` and ``header`` files of a multipart one."""
    if request.content_type == "multipart/form-data":
        limit = request.app[SERVICES].config.media.max_image_bytes
        form, files = await read_form(request, files=PICTURES, max_file_bytes=limit)
        return nest(form.items()), files
    return await _read_plain(request), {}


async def _read_plain(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            data = json.loads(await request.read() or b"{}")
        except ValueError as exc:
            raise ValidationError(f"the body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ValidationError("the JSON body must be an object")
        params.refuse_nul(data)
        return data
    if request.content_type == "application/x-www-form-urlencoded":
        return nest((await params.form(request)).items())
    return nest(request.query.items())


def _flag(value: Any, name: str) -> bool | None:
    """A boolean from JSON (true/false) or a form ("true", "1", "on", ...)."""
    if value is None or isinstance(value, bool):
        return value
    lowered = str(value).strip().lower() if isinstance(value, str) else None
    if lowered in params.TRUE:
        return True
    if lowered in params.FALSE:
        return False
    raise ValidationError(f"{name} must be true or false", field=name)


def _string(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValidationError(f"{name} must be a string", field=name)


def _fields(value: Any) -> list[tuple[str, str]] | None:
    """``fields_attributes`` as a list or as ``{"0": {...}, "1": {...}}``."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = [value[k] for k in sorted(value, key=lambda k: (len(str(k)), str(k)))]
    if not isinstance(value, list) or len(value) > FIELDS_ATTRIBUTES_MAX:
        raise ValidationError(
            f"fields_attributes must be a list of at most {FIELDS_ATTRIBUTES_MAX} fields",
            field="fields_attributes",
        )
    pairs = []
    for i, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise ValidationError(
                "each of fields_attributes must have a name and a value",
                field=f"fields_attributes[{i}]",
            )
        name = _string(entry.get("name"), f"fields_attributes[{i}].name") or ""
        text = _string(entry.get("value"), f"fields_attributes[{i}].value") or ""
        pairs.append((name, text))
    return pairs


def _warmline(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError("warmline must be an object", field="warmline")
    unknown = sorted(set(value) - set(WARMLINE_KEYS))
    if unknown:
        raise ValidationError(
            f"warmline.{unknown[0]} is not a profile field", field=f"warmline.{unknown[0]}"
        )
    out = dict(value)
    for name in ("headline", "location"):
        out[name] = _string(out.get(name), f"warmline.{name}")
    if "accepts_introductions" in out:
        name = "warmline.accepts_introductions"
        out["accepts_introductions"] = _flag(out["accepts_introductions"], name)
    for name in ("open_to", "skills", "links", "experience", "education"):
        if out.get(name) == "":  # a form's way of saying "none"
            out[name] = []
    return out


def changes_from(body: Mapping[str, Any]) -> ProfileChanges:
    for name in PICTURES:
        if body.get(name) not in (None, ""):
            raise ValidationError(f"{name} must be an image file sent as multipart", field=name)
    return ProfileChanges(
        display_name=_string(body.get("display_name"), "display_name"),
        summary=_string(body.get("note"), "note"),
        fields=_fields(body.get("fields_attributes")),
        locked=_flag(body.get("locked"), "locked"),
        discoverable=_flag(body.get("discoverable"), "discoverable"),
        **_warmline(body.get("warmline")),
    )


@routes.patch("/api/v1/accounts/update_credentials")
async def update_credentials(request: web.Request) -> web.Response:
    me = await auth.required(request, "write:accounts")
    svc = request.app[SERVICES]
    body, files = await read_body(request)
    account = await change_profile(svc, me.account.username, changes_from(body), files)
    presenter = await Presenter(svc, account).load(account_ids=[account.id])
    return ok(presenter.account(account, source=True))
