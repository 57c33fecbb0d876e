"""Discovery endpoints: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.0/2.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import quoteattr

from aiohttp import web

from server import __version__
from server.appkeys import CONFIG, DB, SERVICES
from server.config import Config
from server.services import members
from server.services.errors import NotFound
from server.store import accounts as q
from server.urls import INSTANCE_ACTOR_USERNAME, Urls

JRD = "application/jrd+json"
AS2 = "application/activity+json"
PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{version}"
CORS = {"Access-Control-Allow-Origin": "*"}

routes = web.RouteTableDef()


def _bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=f'{{"error": "{message}"}}', content_type="application/json", headers=CORS
    )


def username_from_resource(resource: str, config: Config, urls: Urls) -> str:
    """The local username a WebFinger ``resource`` names.

    Accepts ``acct:user@domain`` (the domain with or without its port) and the
    actor or profile URL. Raises HTTPBadRequest when the resource is malformed,
    NotFound when it is well-formed but not ours.
    """
    if resource.startswith("acct:"):
        user, sep, host = unquote(resource[5:]).lstrip("@").rpartition("@")
        if not sep or not user or not host:
            raise _bad_request("resource must look like acct:user@domain")
        if host.lower() not in (config.domain, config.host):
            raise NotFound(f"{host} is not this server's domain")
        if user.lower() in (config.domain, config.host):
            return INSTANCE_ACTOR_USERNAME  # Mastodon's instance-actor convention
        return user
    parts = urlsplit(resource)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _bad_request("resource must be an acct: URI or an http(s) URL")
    if parts.netloc.lower() != config.domain:
        raise NotFound(f"{parts.netloc} is not this server's domain")
    path = parts.path.rstrip("/")
    if path == urlsplit(urls.instance_actor).path:
        return INSTANCE_ACTOR_USERNAME
    for prefix in ("/users/", "/@"):
        if path.startswith(prefix) and "/" not in path[len(prefix) :]:
            return path[len(prefix) :]
    raise NotFound("no account has that URL")


async def _jrd_for(request: web.Request, username: str) -> dict[str, object]:
    config, urls = request.app[CONFIG], request.app[SERVICES].urls
    if username == INSTANCE_ACTOR_USERNAME:
        actor, profile = urls.instance_actor, config.base_url + "/about"
        subject = f"acct:{config.domain}@{config.domain}"
    else:
        account = await members.get_member(request.app[DB], username, groups=True)
        actor, profile = urls.actor(account.username), urls.profile(account.username)
        subject = f"acct:{account.username}@{config.domain}"
    return {
        "subject": subject,
        "aliases": [actor, profile],
        "links": [
            {"rel": "self", "type": AS2, "href": actor},
            {"rel": PROFILE_PAGE, "type": "text/html", "href": profile},
        ],
    }


@routes.get("/.well-known/webfinger")
async def webfinger(request: web.Request) -> web.Response:
    resources = request.query.getall("resource", [])
    if len(resources) != 1 or not resources[0].strip():
        raise _bad_request("exactly one resource parameter is required")
    username = username_from_resource(
        resources[0].strip(), request.app[CONFIG], request.app[SERVICES].urls
    )
    jrd = await _jrd_for(request, username)
    rels = request.query.getall("rel", [])
    if rels:  # RFC 7033 section 4.3: only the requested link relations
        jrd["links"] = [link for link in jrd["links"] if link["rel"] in rels]  # type: ignore[attr-defined]
    return web.json_response(jrd, content_type=JRD, headers=CORS)


@routes.get("/.well-known/host-meta")
async def host_meta(request: web.Request) -> web.Response:
    template = request.app[CONFIG].base_url + "/.well-known/webfinger?resource={uri}"
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/xrd+xml" template={quoteattr(template)}/>\n'
        "</XRD>\n"
    )
    return web.Response(text=xml, content_type="application/xrd+xml", headers=CORS)


@routes.get("/.well-known/host-meta.json")
async def host_meta_json(request: web.Request) -> web.Response:
    template = request.app[CONFIG].base_url + "/.well-known/webfinger?resource={uri}"
    body = {"links": [{"rel": "lrdd", "type": JRD, "template": template}]}
    return web.json_response(body, content_type=JRD, headers=CORS)


@routes.get("/.well-known/nodeinfo")
async def nodeinfo_index(request: web.Request) -> web.Response:
    base = request.app[CONFIG].base_url
    links = [
        {"rel": NODEINFO_SCHEMA.format(version=v), "href": f"{base}/nodeinfo/{v}"}
        for v in ("2.0", "2.1")
    ]
    return web.json_response({"links": links}, headers=CORS)


async def _usage(request: web.Request) -> dict[str, object]:
    now = datetime.now(UTC)
    async with request.app[DB].read() as conn:
        total = await q.count_local_members(conn)
        month = await q.count_active_members(conn, since=now - timedelta(days=30))
        half_year = await q.count_active_members(conn, since=now - timedelta(days=180))
    return {"users": {"total": total, "activeMonth": month, "activeHalfyear": half_year}}


@routes.get(r"/nodeinfo/{version:2\.[01]}")
async def nodeinfo(request: web.Request) -> web.Response:
    version = request.match_info["version"]
    config = request.app[CONFIG]
    site = await request.app[SERVICES].site.get()
    software: dict[str, str] = {"name": "warmline", "version": __version__}
    if version == "2.1":
        software["repository"] = "https://github.com/warmline/warmline"
        software["homepage"] = "https://github.com/warmline/warmline"
    body = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": site.registrations in ("open", "approval"),
        "usage": await _usage(request),
        "metadata": {
            "nodeName": config.instance.name,
            "nodeDescription": site.description,
            # Hints client libraries read to pick their Mastodon code path.
            "upstream": {"name": "mastodon", "version": "4.3.0"},
            "features": ["mastodon_api"],
            "apiVersions": {"mastodon": 1, "warmline": 1},
        },
    }
    profile = NODEINFO_SCHEMA.format(version=version) + "#"
    return web.Response(
        body=json.dumps(body).encode(),
        headers={**CORS, "Content-Type": f'application/json; profile="{profile}"; charset=utf-8'},
    )
