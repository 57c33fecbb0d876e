"""``/api/v1/instance`` and ``/api/v2/instance``, as Mastodon documents them.

The version string puts Mastodon's API level first, so client libraries that
parse it (Mastodon.py, megalodon) enable the features we serve; Warmline's own
version follows. The limits are the ones the services enforce.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from server import __version__
from server.api.entities import Presenter
from server.api.responses import ok
from server.appkeys import CONFIG, SERVICES
from server.config import Config
from server.services import images, media, posts
from server.services.errors import Gone, NotFound
from server.services.members import get_member
from server.services.site import Site
from server.store import accounts as account_queries
from server.store import instance as q

routes = web.RouteTableDef()
MASTODON_API_LEVEL = "4.3.0"
SOURCE_URL = "https://github.com/warmline/warmline"
CORS = {"Access-Control-Allow-Origin": "*"}


def version() -> str:
    return f"{MASTODON_API_LEVEL} (compatible; Warmline {__version__})"


def _statuses_limits() -> dict[str, int]:
    return {
        "max_characters": posts.MAX_CHARS,
        "max_media_attachments": media.MAX_PER_POST,
        "characters_reserved_per_url": 23,
    }


def _configuration(config: Config) -> dict[str, Any]:
    """What apps read to know our limits: the ones we enforce (images only; no polls)."""
    return {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
        "statuses": _statuses_limits(),
        "media_attachments": {
            "supported_mime_types": sorted(ctype for ctype, _ in images.FORMATS.values()),
            "image_size_limit": config.media.max_image_bytes,
            "image_matrix_limit": config.media.max_image_pixels,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": 0,
            "max_characters_per_option": 0,
            "min_expiration": 0,
            "max_expiration": 0,
        },
    }


async def _contact(request: web.Request) -> dict[str, Any] | None:
    """The instance's contact member (``[instance] contact_username``), as an Account."""
    svc = request.app[SERVICES]
    username = request.app[CONFIG].instance.contact_username
    if not username:
        return None
    try:
        member = await get_member(svc.db, username)
    except (NotFound, Gone):
        return None
    presenter = await Presenter(svc, None).load(account_ids=[member.id])
    return presenter.account(member)


async def _stats(request: web.Request) -> dict[str, int]:
    async with request.app[SERVICES].db.read() as conn:
        return {
            "user_count": await account_queries.count_local_members(conn),
            "status_count": await q.count_local_statuses(conn),
            "domain_count": await q.count_known_domains(conn),
        }


def _rules(site: Site) -> list[dict[str, str]]:
    return [{"id": str(n), "text": text, "hint": ""} for n, text in enumerate(site.rules, 1)]


@routes.get("/api/v1/instance")
async def instance_v1(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    settings = config.instance
    site = await request.app[SERVICES].site.get()
    configuration = _configuration(config)
    body = {
        "uri": config.domain,
        "title": settings.name,
        "short_description": site.description,
        "description": site.description,
        "email": settings.contact_email,
        "version": version(),
        "urls": {"streaming_api": config.base_url.replace("http", "ws", 1)},
        "stats": await _stats(request),
        "thumbnail": None,
        "languages": ["en"],
        # Sign-up is on the web page (/signup), not through the API.
        "registrations": site.registrations in ("open", "approval"),
        "approval_required": site.registrations == "approval",
        "invites_enabled": site.registrations != "closed",
        "configuration": {k: configuration[k] for k in ("statuses", "media_attachments", "polls")}
        | {"accounts": configuration["accounts"]},
        "contact_account": await _contact(request),
        "rules": _rules(site),
    }
    return ok(body, headers=CORS)


@routes.get("/api/v2/instance")
async def instance_v2(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    settings = config.instance
    site = await request.app[SERVICES].site.get()
    async with request.app[SERVICES].db.read() as conn:
        since = datetime.now(UTC) - timedelta(days=30)
        active = await account_queries.count_active_members(conn, since=since)
    configuration = _configuration(config)
    configuration["urls"] = {
        "streaming": config.base_url.replace("http", "ws", 1),
        "status": None,
        "about": f"{config.base_url}/about",
        "privacy_policy": None,
        "terms_of_service": None,
    }
    configuration["vapid"] = {"public_key": ""}
    configuration["translation"] = {"enabled": False}
    configuration["timelines_access"] = {
        "live_feeds": {"local": "public", "remote": "public"},
        "hashtag_feeds": {"local": "public", "remote": "public"},
        "trending_link_feeds": {"local": "disabled", "remote": "disabled"},
    }
    body = {
        "domain": config.domain,
        "title": settings.name,
        "version": version(),
        "source_url": SOURCE_URL,
        "description": site.description,
        "usage": {"users": {"active_month": active}},
        "thumbnail": {"url": f"{config.base_url}/static/avatar.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": configuration,
        "registrations": {
            "enabled": site.registrations in ("open", "approval"),
            "approval_required": site.registrations == "approval",
            "message": None,
            "url": f"{config.base_url}/signup",
        },
        "api_versions": {"mastodon": 1, "warmline": 1},
        "contact": {"email": settings.contact_email, "account": await _contact(request)},
        "rules": _rules(site),
    }
    return ok(body, headers=CORS)
