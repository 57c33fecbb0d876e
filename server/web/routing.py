"""Route tables for pages: every POST reads its form and checks CSRF first.

``PageRoutes.post`` wraps each handler so that no page can forget the check:
the form (url-encoded, or multipart with files when the route names them) is
read with caps, the CSRF token compared (``session.check_csrf``), and only
then is the handler called; it finds the form with ``form_of(request)``. A
test walks the router and fails for any page POST not wrapped so.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiDict

from server import ids
from server.api import params, uploads
from server.appkeys import CONFIG
from server.services.errors import NotFound
from server.web.session import CSRF_FIELD, check_csrf

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSRF_CHECKED = "__warmline_csrf_checked__"


@dataclass(slots=True)
class Form:
    """A submitted form: its text fields and any files (bytes by field name)."""

    fields: MultiDict[Any]
    files: dict[str, bytes] = field(default_factory=dict)
    file_errors: dict[str, str] = field(default_factory=dict)  # a file refused as it was read

    def text(self, name: str, default: str = "") -> str:
        value = self.fields.get(name, default)
        return _lines(value) if isinstance(value, str) else default

    def texts(self, name: str) -> list[str]:
        return [_lines(v) for v in self.fields.getall(name, []) if isinstance(v, str)]

    def flag(self, name: str) -> bool:
        return self.text(name).lower() in params.TRUE - {""}


def _lines(value: str) -> str:
    """Browsers send a textarea's line breaks as CRLF (as HTML says they must); the
    services take "\n" and refuse a lone "\r" as a control character."""
    return value.replace("\r\n", "\n")


_FORM = web.RequestKey("web_form", Form)


def is_htmx(request: web.Request) -> bool:
    """Whether htmx sent the request (it then wants a fragment, not a page)."""
    return bool(request.headers.get("HX-Request"))


def path_id(request: web.Request, name: str, missing: str = "Nothing is here") -> int:
    """A numeric id from the path; one that cannot exist is a 404 saying ``missing``."""
    found = ids.parse(request.match_info.get(name, ""))
    if found is None:
        raise NotFound(missing)
    return found


def query_id(request: web.Request, name: str = "max_id") -> int | None:
    """A numeric id from the query string (paging), or None."""
    return ids.parse(request.query.get(name, ""))


def form_of(request: web.Request) -> Form:
    return request[_FORM]


async def read_form(
    request: web.Request, files: tuple[str, ...], max_file_bytes: int | None = None
) -> Form:
    if files:
        limit = max_file_bytes or request.app[CONFIG].media.max_image_bytes
        too_large: list[str] = []
        fields, found = await uploads.read_form(
            request, files=files, max_file_bytes=limit, too_large=too_large
        )
        megabytes = f"{limit / 1_048_576:.3g} MB" if limit >= 1_048_576 else f"{limit} bytes"
        errors = {name: f"This file is larger than {megabytes}" for name in too_large}
        # An <input type=file> left empty still sends an empty part.
        return Form(MultiDict(fields), {k: v for k, v in found.items() if v}, errors)
    data = await params.form(request) if request.can_read_body else MultiDict()
    return Form(MultiDict(data))


def csrf_protected(
    handler: Handler, files: tuple[str, ...] = (), max_file_bytes: int | None = None
) -> Handler:
    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        form = await read_form(request, files, max_file_bytes)
        await check_csrf(request, form.text(CSRF_FIELD))
        request[_FORM] = form
        return await handler(request)

    setattr(checked, CSRF_CHECKED, True)
    return checked


class PageRoutes(web.RouteTableDef):
    """A ``RouteTableDef`` whose POST routes are CSRF-checked (module docstring)."""

    def post(  # type: ignore[override]
        self,
        path: str,
        *,
        files: tuple[str, ...] = (),
        max_file_bytes: int | None = None,  # default: ``[media] max_image_bytes``
        **kwargs: Any,
    ) -> Any:
        register = super().post(path, **kwargs)

        def decorator(handler: Handler) -> Handler:
            register(csrf_protected(handler, files, max_file_bytes))
            return handler

        return decorator
