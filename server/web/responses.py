"""Answering a browser: a whole page, a fragment for htmx, or a redirect with a message.

Every page gets the same frame (``base.html``): who is signed in, the CSRF
token for its forms, the instance's settings, the unread-notification count,
and a one-time message from the action before (``flash``). Security headers
go on every page: a strict Content-Security-Policy (no inline script or
style), no framing, no referrer leaks to other sites.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web

from server.appkeys import CONFIG, SERVICES
from server.services import registrations, timelines
from server.web.session import (
    csrf_token,
    go,
    masked_csrf,
    remember_anonymous_csrf,
    safe_next,
    viewer,
)
from server.web.templating import render_html
from server.web.views import person

FLASH_COOKIE = "warmline_flash"
FLASH_MAX = 300


def security_headers(dev: bool) -> dict[str, str]:
    images = "'self' data: https:" + (" http:" if dev else "")
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; img-src {images}; script-src 'self'; style-src 'self'; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
            "object-src 'none'"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
        "Vary": "Accept, Cookie",
    }


async def chrome(request: web.Request) -> dict[str, Any]:
    """What the frame of every page shows."""
    session = await viewer(request)
    svc = request.app[SERVICES]
    unread = waiting = 0
    if session is not None:
        # Counted with the session's lookup, unless this request may have changed
        # them since (a form sent, the notifications page moving the seen mark).
        fresh = request.method in ("GET", "HEAD")
        unread = session.unseen if fresh else None
        if unread is None:
            unread = await timelines.unseen_notifications(
                svc, session.account, session.notifications_seen_id
            )
        if session.is_admin:  # the badge on "Administration"
            waiting = session.admin_waiting if fresh else None
            if waiting is None:
                waiting = await registrations.count_waiting(svc)
    return {
        "viewer": session,
        "me": person(svc, session.account) if session else None,
        "csrf": masked_csrf(await csrf_token(request)),
        "site": await svc.site.get(),
        "flash": _flash(request),
        "path": request.path,
        "unread": unread,
        "admin_waiting": waiting,
        "is_htmx": bool(request.headers.get("HX-Request")),
    }


BARE_CHROME = {
    "viewer": None, "me": None, "csrf": "", "site": None, "flash": "", "path": "/",
    "unread": 0, "admin_waiting": 0, "is_htmx": False,
}  # fmt: skip


def _flash(request: web.Request) -> str:
    return unquote(request.cookies.get(FLASH_COOKIE, ""))[:FLASH_MAX]


async def page(
    request: web.Request, template: str, *, http_status: int = 200, **context: Any
) -> web.Response:
    """A whole page (or, for htmx, what the template renders for it)."""
    frame = await chrome(request)
    html = render_html(request.config_dict, template, **frame, **context)
    return html_response(request, html, http_status, had_flash=bool(frame["flash"]))


def html_response(
    request: web.Request, html: str, http_status: int = 200, *, had_flash: bool = False
) -> web.Response:
    headers = security_headers(request.app[CONFIG].dev)
    response = web.Response(
        text=html, status=http_status, content_type="text/html", headers=headers
    )
    remember_anonymous_csrf(request, response)
    if had_flash:
        response.del_cookie(FLASH_COOKIE, path="/")
    return response


async def fragment(request: web.Request, template: str, **context: Any) -> web.Response:
    """A piece of a page, for htmx to swap in."""
    frame = await chrome(request)
    frame["flash"] = ""  # a fragment shows no message: it stays for the next page
    return html_response(request, render_html(request.config_dict, template, **frame, **context))


def redirect(request: web.Request, to: str, flash: str = "") -> web.HTTPException:
    """Off to a page of ours (``to`` checked), with a one-time message on it."""
    exc = go(request, safe_next(to))
    if flash:
        exc.set_cookie(
            FLASH_COOKIE, quote(flash[:FLASH_MAX]), path="/", httponly=True, samesite="Lax",
            secure=not request.app[CONFIG].dev, max_age=60,
        )  # fmt: skip
    return exc


def back(request: web.Request, default: str = "/") -> str:
    """Where the form that was just sent came from (same site only)."""
    referer = request.headers.get("Referer", "")
    return safe_next(referer) if referer else default


async def error_page(request: web.Request, http_status: int, message: str) -> web.Response:
    """An error as a page, in the frame the viewer would see (or a bare one, when
    even that cannot be had: the database may be what failed)."""
    try:
        frame = await chrome(request)
    except Exception:
        frame = dict(BARE_CHROME)
    html = render_html(
        request.config_dict, "error.html", http_status=http_status, message=message, **frame
    )
    response = html_response(request, html, http_status)
    response.headers["Cache-Control"] = "no-store"
    return response
