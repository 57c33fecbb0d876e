"""Client apps: ``POST /api/v1/apps`` and ``GET /api/v1/apps/verify_credentials``."""

from __future__ import annotations

from aiohttp import web

from server.api import auth, params
from server.api.responses import ok
from server.appkeys import SERVICES
from server.services import oauth
from server.services.errors import Unauthorized
from server.store.oauth import ApplicationRow

routes = web.RouteTableDef()


def application(app: ApplicationRow, *, secret: str | None = None) -> dict[str, object]:
    """Mastodon's Application entity (``client_secret`` only when just created)."""
    body: dict[str, object] = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": list(app.scopes),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
    }
    if secret is not None:
        body["client_id"] = app.client_id
        body["client_secret"] = secret
        body["client_secret_expires_at"] = 0
        body["vapid_key"] = ""
    return body


@routes.post("/api/v1/apps")
async def create(request: web.Request) -> web.Response:
    form = await params.body(request)
    uris = params.text(form, "redirect_uris") if "redirect_uris" in form else None
    app, secret = await oauth.register_app(
        request.app[SERVICES].db,
        name=params.text(form, "client_name"),
        redirect_uris=uris or " ".join(params.strings(form, "redirect_uris")),
        scopes=params.text(form, "scopes"),
        website=params.text(form, "website") or None,
    )
    return ok(application(app, secret=secret))


@routes.get("/api/v1/apps/verify_credentials")
async def verify_credentials(request: web.Request) -> web.Response:
    """The app behind a token (an app-only token or a member's)."""
    found = await auth.grant(request, "read", "write", "follow", "push", "profile")
    app = None
    if found.application_id is not None:
        app = await oauth.find_application(request.app[SERVICES].db, found.application_id)
    if app is None:
        raise Unauthorized("This token was not issued to an application")
    return ok(application(app))
