"""Who is looking at a page: the browser session behind the cookie, and CSRF.

The session cookie (``warmline_session``) is ``HttpOnly``, ``SameSite=Lax`` and
``Secure`` unless the instance runs with ``--dev``. Every form sends a CSRF
token back: a signed-in member's comes from their session (stored with it);
before signing in, the token is a random value also kept in a cookie of its
own (``warmline_csrf``, "double submit"). A POST whose token does not match,
or whose ``Origin`` names another site, is refused before its handler runs
(``server/web/routing.py`` makes that so for every page POST).

Pages carry the token masked: XORed with a fresh random pad, so no two pages
hold the same bytes and a compressed page (a proxy's gzip) cannot be used to
guess it a character at a time (BREACH).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from dataclasses import replace
from urllib.parse import urlsplit

from aiohttp import web
from yarl import URL

from server.appkeys import CONFIG, SERVICES
from server.services import account_moderation, websessions
from server.services.errors import Forbidden
from server.services.websessions import WebSession

SESSION_COOKIE = "warmline_session"
CSRF_COOKIE = "warmline_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32), as sessions and the cookie hold it

_VIEWER = web.RequestKey("web_viewer", object)
_ANON_CSRF = web.RequestKey("web_anonymous_csrf", str)


async def viewer(request: web.Request) -> WebSession | None:
    """The signed-in member's session, or None; looked up once per request."""
    if _VIEWER not in request:
        token = request.cookies.get(SESSION_COOKIE, "")
        found = None
        if token:
            svc = request.app[SERVICES]
            found = await websessions.resume(svc, token, ip=request.remote or "")
        request[_VIEWER] = found
    return request[_VIEWER]  # type: ignore[return-value]


def saw_notifications(request: web.Request, seen_id: int) -> None:
    """The member has just seen their notifications up to ``seen_id``: the rest of
    this request (the frame's unread badge) counts from there."""
    found = request.get(_VIEWER)
    if isinstance(found, WebSession) and seen_id > found.notifications_seen_id:
        request[_VIEWER] = replace(found, notifications_seen_id=seen_id, unseen=None)


def go(request: web.Request, location: str) -> web.HTTPException:
    """Send the browser to ``location``: a 303, or for an htmx request (whose
    XMLHttpRequest would follow a redirect itself) a 200 with ``HX-Redirect``."""
    if request.headers.get("HX-Request"):
        return web.HTTPOk(headers={"HX-Redirect": location})
    return web.HTTPSeeOther(location)


def sign_in_first(request: web.Request) -> web.HTTPException:
    """Off to the sign-in page, and back here afterwards."""
    back = request.path_qs if request.method == "GET" else request.headers.get("Referer", "/")
    return go(request, str(URL("/signin").with_query(next=safe_next(back))))


async def member(request: web.Request) -> WebSession:
    """The signed-in member's session; anyone else is sent to sign in first."""
    found = await viewer(request)
    if found is None:
        raise sign_in_first(request)
    return found


async def admin(request: web.Request) -> WebSession:
    found = await member(request)
    if not found.is_admin:
        raise Forbidden("This page is for the instance's admins")
    return found


MODERATING_ROLES = (websessions.ADMIN, account_moderation.MODERATOR)  # as moderator_role() allows


async def moderator(request: web.Request) -> WebSession:
    """The signed-in moderator's or admin's session (the reports and the moderation
    log); a visitor is sent to sign in, anyone else gets a 403. The services check
    the role again (``account_moderation.moderator_role``)."""
    found = await member(request)
    if found.role not in MODERATING_ROLES:
        raise Forbidden("This page is for the instance's moderators and admins")
    return found


def safe_next(value: str | None) -> str:
    """A same-site path to go back to (never another site: ``//evil``, ``https://``)."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:  # a full URL: keep only its path, if any
        value = parts.path + (f"?{parts.query}" if parts.query else "")
        parts = urlsplit(value)
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def cookie_flags(request: web.Request) -> dict[str, object]:
    return {
        "httponly": True,
        "samesite": "Lax",
        "secure": not request.app[CONFIG].dev,
        "path": "/",
    }


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    max_age = websessions.IDLE_DAYS * 86_400
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, **cookie_flags(request))  # type: ignore[arg-type]


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    flags = cookie_flags(request)
    response.del_cookie(SESSION_COOKIE, path="/", secure=bool(flags["secure"]), samesite="Lax")


async def csrf_token(request: web.Request) -> str:
    """The token a page's forms carry (see the module docstring)."""
    session = await viewer(request)
    if session is not None:
        return session.csrf_token
    if _ANON_CSRF not in request:
        sent = request.cookies.get(CSRF_COOKIE, "")
        request[_ANON_CSRF] = sent if len(sent) == TOKEN_LENGTH else secrets.token_urlsafe(32)
    return request[_ANON_CSRF]


def masked_csrf(token: str) -> str:
    """The token as one page carries it (module docstring)."""
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    masked = pad + bytes(a ^ b for a, b in zip(pad, raw, strict=True))
    return base64.urlsafe_b64encode(masked).decode().rstrip("=")


def unmasked_csrf(sent: str) -> str:
    """The token behind what a form sent ("" if it is not one); a bare token (as the
    pre-sign-in cookie holds it) stands for itself."""
    if len(sent) == TOKEN_LENGTH:
        return sent
    try:
        both = base64.urlsafe_b64decode(sent + "=" * (-len(sent) % 4))
    except (binascii.Error, ValueError):
        return ""
    half = len(both) // 2
    if half == 0 or len(both) != 2 * half:
        return ""
    token = bytes(a ^ b for a, b in zip(both[:half], both[half:], strict=True))
    return token.decode("ascii", errors="replace")


def remember_anonymous_csrf(request: web.Request, response: web.StreamResponse) -> None:
    """Set the pre-sign-in CSRF cookie if this page handed out a new token."""
    token = request.get(_ANON_CSRF)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, **cookie_flags(request))  # type: ignore[arg-type]


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None  # "null": a sandboxed or privacy-redirected request
    authority = urlsplit(origin).netloc.lower()
    return authority in (request.app[CONFIG].domain, request.host.lower())


async def check_csrf(request: web.Request, sent: str) -> None:
    """Refuse (403) a POST that did not come from one of our own pages."""
    session = await viewer(request)
    expected = session.csrf_token if session else request.cookies.get(CSRF_COOKIE, "")
    sent = unmasked_csrf(sent or request.headers.get(CSRF_HEADER, ""))
    if not _same_origin(request):
        raise Forbidden("This form was sent from another site, so it was refused")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise Forbidden("This form has expired (or came from another site): please try again")
