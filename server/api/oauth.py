"""The OAuth door: ``/oauth/authorize`` (an HTML sign-in and consent page),
``/oauth/token``, ``/oauth/revoke`` and the RFC 8414 metadata.

A bad client or redirect URI is shown as a page and never redirected to;
anything wrong after that goes back to the client as ``?error=`` (RFC 6749
4.1.2.1), or onto the page for out-of-band clients. The form is protected
from cross-site posting by a double-submit cookie and ``SameSite=Strict``.
Failed sign-ins are throttled per username and per client address
(``services.throttle``); a refused attempt gets the page back with a 429.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from multidict import MultiDictProxy
from yarl import URL

from server.api import params
from server.appkeys import CONFIG, SERVICES
from server.services import oauth, signin, tokens
from server.services.errors import ServiceError
from server.services.oauth import OOB, AuthRequest, ClientError, OAuthError
from server.services.signin import SignInThrottled
from server.web.responses import BARE_CHROME
from server.web.templating import render_html

routes = web.RouteTableDef()
CSRF_COOKIE = "warmline_csrf"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
}
_REQUEST_FIELDS = (
    "client_id", "redirect_uri", "response_type", "scope", "state",
    "code_challenge", "code_challenge_method",
)  # fmt: skip


def _page(
    request: web.Request, template: str, http_status: int = 200, **context: Any
) -> web.Response:
    frame = {**BARE_CHROME, "csrf": ""}  # this page keeps its own CSRF cookie (/oauth)
    html = render_html(request.config_dict, template, http_status=http_status, **frame, **context)
    return web.Response(
        text=html, status=http_status, content_type="text/html", headers=PAGE_HEADERS
    )


def _client_error(request: web.Request, exc: ServiceError) -> web.Response:
    return _page(request, "error.html", http_status=exc.status, message=exc.message)


def _back_to_client(auth: AuthRequest | None, redirect_uri: str, **values: str | None) -> None:
    """Raise the redirect to the client with ``values`` (and ``state``) in the query."""
    if auth is not None and auth.state is not None:
        values["state"] = auth.state
    query = {k: v for k, v in values.items() if v is not None}
    raise web.HTTPFound(str(URL(redirect_uri).update_query(query)))


async def _checked(
    request: web.Request, data: MultiDictProxy[Any] | Any
) -> tuple[AuthRequest | None, web.Response | None]:
    """The checked request, or the answer that refuses it (page or redirect)."""
    db = request.app[SERVICES].db

    def get(name: str) -> str | None:
        value = data.get(name)
        return str(value) if value not in (None, "") else None

    try:
        app, redirect_uri = await oauth.find_client(db, get("client_id") or "", get("redirect_uri"))
    except ClientError as exc:
        return None, _client_error(request, exc)
    try:
        auth = oauth.check_request(
            app,
            redirect_uri,
            response_type=get("response_type"),
            scope=get("scope"),
            state=get("state"),
            code_challenge=get("code_challenge"),
            code_challenge_method=get("code_challenge_method"),
        )
    except OAuthError as exc:
        return None, _refusal(request, app.name, redirect_uri, exc.error, exc.message, get("state"))
    return auth, None


def _refusal(
    request: web.Request, app_name: str, redirect_uri: str, error: str, text: str, state: str | None
) -> web.Response:
    if redirect_uri == OOB:
        return _page(
            request, "oauth_code.html", http_status=400, app_name=app_name, code=None,
            error=error, description=text,
        )  # fmt: skip
    query = {"error": error, "error_description": text, "state": state}
    raise web.HTTPFound(str(URL(redirect_uri).update_query({k: v for k, v in query.items() if v})))


def _consent_page(
    request: web.Request,
    auth: AuthRequest,
    *,
    error: str = "",
    username: str = "",
    http_status: int = 200,
) -> web.Response:
    csrf = request.cookies.get(CSRF_COOKIE, "")
    if len(csrf) != 43:
        csrf = secrets.token_urlsafe(32)
    hidden = [
        ("client_id", auth.app.client_id),
        ("redirect_uri", auth.redirect_uri),
        ("response_type", "code"),
        ("scope", " ".join(auth.scopes)),
        ("csrf_token", csrf),
    ]
    hidden += [(name, value) for name, value in (("state", auth.state),) if value is not None]
    if auth.code_challenge:
        hidden += [("code_challenge", auth.code_challenge), ("code_challenge_method", "S256")]
    response = _page(
        request, "oauth_authorize.html", http_status=http_status, app_name=auth.app.name,
        app_website=auth.app.website or "", scopes=auth.scopes, hidden=hidden,
        error=error, username=username,
    )  # fmt: skip
    response.set_cookie(
        CSRF_COOKIE, csrf, httponly=True, samesite="Strict", path="/oauth",
        secure=request.app[CONFIG].scheme == "https",
    )  # fmt: skip
    return response


@routes.get("/oauth/authorize")
async def authorize_page(request: web.Request) -> web.Response:
    auth, refusal = await _checked(request, request.query)
    if refusal is not None:
        return refusal
    assert auth is not None
    return _consent_page(request, auth)


@routes.post("/oauth/authorize")
async def authorize(request: web.Request) -> web.Response:
    form = await request.post()
    cookie, sent = request.cookies.get(CSRF_COOKIE, ""), str(form.get("csrf_token", ""))
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        message = "The form expired or came from another site: please try again"
        return _page(request, "error.html", http_status=403, message=message)
    auth, refusal = await _checked(request, form)
    if refusal is not None:
        return refusal
    assert auth is not None
    if form.get("decision") == "deny":
        denied = "The resource owner or authorization server denied the request."
        return _refusal(
            request, auth.app.name, auth.redirect_uri, "access_denied", denied, auth.state
        )
    username = str(form.get("username", ""))
    svc = request.app[SERVICES]
    try:
        member = await signin.sign_in(
            svc.db, svc.sign_ins, username, str(form.get("password", "")),
            address=request.remote or "",
        )  # fmt: skip
    except SignInThrottled as exc:
        page = _consent_page(request, auth, error=exc.message, username=username, http_status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if member is None:
        error = "Invalid username or password"
        return _consent_page(request, auth, error=error, username=username, http_status=401)
    code = await oauth.issue_code(svc.db, auth, member.id)
    if auth.redirect_uri == OOB:
        return _page(request, "oauth_code.html", app_name=auth.app.name, code=code)
    _back_to_client(auth, auth.redirect_uri, code=code)
    raise AssertionError("unreachable")


def _oauth_error(exc: OAuthError) -> web.Response:
    body = {"error": exc.error, "error_description": exc.message}
    return web.json_response(body, status=exc.status, headers={"Cache-Control": "no-store"})


def _text(form: Any, name: str) -> str | None:
    """A string parameter; another JSON type is an ``invalid_request`` naming it."""
    try:
        return params.optional_text(form, name)
    except ServiceError as exc:
        raise OAuthError("invalid_request", exc.message) from None


def _client_credentials(request: web.Request, form: Any) -> tuple[str, str | None]:
    """RFC 6749 2.3.1: HTTP Basic, or ``client_id``/``client_secret`` in the body."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed Basic credentials", status=401) from None
        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    return _text(form, "client_id") or "", _text(form, "client_secret")


async def _grant(request: web.Request) -> oauth.IssuedToken:
    try:
        form = await params.body(request)
    except ServiceError as exc:
        raise OAuthError("invalid_request", exc.message) from None
    grant_type = _text(form, "grant_type")
    if grant_type not in ("authorization_code", "client_credentials"):
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        raise OAuthError("unsupported_grant_type", f"grant_type {grant_type} is not supported")
    db = request.app[SERVICES].db
    app = await oauth.authenticate_client(db, *_client_credentials(request, form))
    if grant_type == "client_credentials":
        return await oauth.client_credentials(db, app, _text(form, "scope"))
    return await oauth.exchange_code(
        db,
        app,
        code=_text(form, "code") or "",
        redirect_uri=_text(form, "redirect_uri"),
        code_verifier=_text(form, "code_verifier"),
    )


@routes.post("/oauth/token")
async def token(request: web.Request) -> web.Response:
    try:
        issued = await _grant(request)
    except OAuthError as exc:
        return _oauth_error(exc)
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": " ".join(issued.scopes),
        "created_at": int(issued.created_at.timestamp()),
    }
    return web.json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@routes.post("/oauth/revoke")
async def revoke(request: web.Request) -> web.Response:
    try:
        try:
            form = await params.body(request)
        except ServiceError as exc:
            raise OAuthError("invalid_request", exc.message) from None
        db = request.app[SERVICES].db
        app = await oauth.authenticate_client(db, *_client_credentials(request, form))
        token = _text(form, "token")
        if not token:
            raise OAuthError("invalid_request", "token is required")
        await oauth.revoke(db, app, token)
    except OAuthError as exc:
        return _oauth_error(exc)
    return web.json_response({})


@routes.get("/.well-known/oauth-authorization-server")
async def metadata(request: web.Request) -> web.Response:
    """RFC 8414 metadata, as Mastodon (4.3+) serves it."""
    base = request.app[CONFIG].base_url
    body = {
        "issuer": f"{base}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "scopes_supported": sorted(tokens.KNOWN_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }
    return web.json_response(body, headers={"Access-Control-Allow-Origin": "*"})
