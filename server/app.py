"""The application factory: the one way to build a Warmline web app.

Resources are opened in ``cleanup_ctx`` order (database, then the services
with their keys and outbound HTTP session, then the workers) and closed in
reverse; nothing happens at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from server import __version__, proxies
from server.ap import actors, collections, discovery, inbox, objects
from server.api import accounts as api_accounts
from server.api import admin_accounts as api_admin_accounts
from server.api import admin_domains as api_admin_domains
from server.api import apps as api_apps
from server.api import archive as api_archive
from server.api import conventions
from server.api import domain_blocks as api_domain_blocks
from server.api import endorsements as api_endorsements
from server.api import events as api_events
from server.api import exports as api_exports
from server.api import groups as api_groups
from server.api import instance as api_instance
from server.api import linkedin as api_linkedin
from server.api import lists as api_lists
from server.api import media as api_media
from server.api import moves as api_moves
from server.api import network as api_network
from server.api import notifications as api_notifications
from server.api import oauth as api_oauth
from server.api import openapi as api_openapi
from server.api import personal as api_personal
from server.api import profile as api_profile
from server.api import reports as api_reports
from server.api import startup as api_startup
from server.api import statuses as api_statuses
from server.api import streaming as api_streaming
from server.api import suggestions as api_suggestions
from server.api import timelines as api_timelines
from server.api import warmth as api_warmth
from server.appkeys import CONFIG, DB, SERVICES
from server.config import Config
from server.middleware import error_middleware, refuse_nul_middleware, request_id_middleware
from server.services import member_admin
from server.services.errors import ServiceError
from server.services.member_admin import DEMO_USERNAME
from server.services.runtime import open_services
from server.store import Database
from server.web import setup as web_pages
from server.workers import pool as worker_pool

if TYPE_CHECKING:
    from server.metrics import Metrics

log = logging.getLogger("warmline")
Middleware = Callable[..., Awaitable[Any]]


async def _database(app: web.Application) -> AsyncIterator[None]:
    db = Database(app[CONFIG].effective_database_url)
    try:
        await db.migrate()
        app[DB] = db
        yield
    finally:
        await db.close()


async def _demo_member(app: web.Application) -> AsyncIterator[None]:
    """Make sure the demo member exists and can sign in, and say how (one line)."""
    config = app[CONFIG]
    try:
        demo = await member_admin.ensure_demo_member(app[DB], dev=config.dev)
    except ServiceError as exc:  # it was deleted: its username stays taken
        log.warning("no demo member: %s", exc.message)
    else:
        if demo.created:
            log.info("created the demo member @%s@%s", DEMO_USERNAME, config.domain)
        where = f'demo member: sign in at {config.base_url}/ as "{DEMO_USERNAME}"'
        if demo.password is not None:
            log.info('%s with password "%s"', where, demo.password)
        else:
            reset = f"warmline member password {DEMO_USERNAME}"
            log.info('%s with the password set before ("%s" resets it)', where, reset)
    yield


async def _services(app: web.Application) -> AsyncIterator[None]:
    async with open_services(app[CONFIG], app[DB]) as svc:
        app[SERVICES] = svc
        if svc.broadcast is not None:
            svc.broadcast.serve_as("web")
        if app[CONFIG].metrics.enabled:
            from server.metrics.web import METRICS

            svc.metrics = app[METRICS]
            svc.metrics.bind(svc)
        yield


async def _workers(app: web.Application) -> AsyncIterator[None]:
    """Every queue worker runs inside the web process (``warmline worker`` runs
    them in processes of their own, beside ``warmline serve --no-workers``)."""
    async with worker_pool.running(app[SERVICES]):
        yield


def create_app(config: Config, *, demo: bool = False, workers: bool = True) -> web.Application:
    """Build the app for ``config``; resources open when it starts.

    ``demo`` creates the member ``demo`` at start-up when it does not exist, and
    gives it a password (and with ``--dev`` the admin role) if it has none;
    ``workers=False`` leaves the queues alone (tests drive them by hand).
    """
    behind_proxies = [proxies.make_middleware(config.trusted_proxies)]
    metrics, measuring = _metrics(config)
    app = web.Application(
        middlewares=[
            *measuring,
            *(behind_proxies if config.trusted_proxies else []),
            conventions.make_middleware(),
            request_id_middleware,
            error_middleware,
            refuse_nul_middleware,
        ],
        client_max_size=config.max_body_bytes,
    )
    app[CONFIG] = config
    app.cleanup_ctx.extend([_database, _services])
    if metrics is not None:
        from server.metrics.web import install

        install(app, metrics, config.metrics)
    if workers:
        app.cleanup_ctx.append(_workers)
    if demo:
        app.cleanup_ctx.append(_demo_member)
    api_modules = (
        api_accounts,
        api_profile,
        api_linkedin,
        api_statuses,
        api_timelines,
        api_network,
        api_notifications,
        api_personal,
        api_lists,
        api_domain_blocks,
        api_endorsements,
        api_events,
        api_groups,
        api_moves,
        api_exports,
        api_archive,
        api_suggestions,
        api_warmth,
        api_media,
        api_apps,
        api_oauth,
        api_instance,
        api_startup,
        api_admin_domains,
        api_admin_accounts,
        api_reports,
        api_openapi,
        api_streaming,
    )
    for module in api_modules:
        app.add_routes(module.routes)
    app.add_routes(discovery.routes)
    app.add_routes(inbox.routes)
    app.add_routes(objects.routes)
    app.add_routes(collections.routes)
    app.add_routes(actors.routes)
    web_pages.install(app)
    app.router.add_get("/healthz", _health)
    _trailing_slash_aliases(app)
    app.on_shutdown.append(_close_streams)
    return app


def _metrics(config: Config) -> tuple[Metrics | None, list[Middleware]]:
    """This app's metrics and their counting middleware when ``[metrics] enabled``;
    otherwise prometheus_client is not even imported."""
    if not config.metrics.enabled:
        return None, []
    from server.metrics import Metrics
    from server.metrics.web import make_middleware

    metrics = Metrics(config.metrics.cache_seconds)
    return metrics, [make_middleware(metrics)]


async def _close_streams(app: web.Application) -> None:
    """Streaming clients stay connected for hours: end their streams so that
    stopping the server does not wait for them (apps reconnect)."""
    if SERVICES in app:
        app[SERVICES].stream.close_all()


def _trailing_slash_aliases(app: web.Application) -> None:
    """Mastodon ignores a trailing slash on API paths, and some clients send one
    (Mastodon.py asks for ``/api/v1/conversations/``): answer both spellings."""
    taken = {(r.method, r.resource.canonical) for r in app.router.routes() if r.resource}
    for route in list(app.router.routes()):
        resource = route.resource
        if not isinstance(resource, web.PlainResource) or route.method == "HEAD":
            continue
        path = resource.canonical
        if path.startswith("/api/") and (route.method, path + "/") not in taken:
            app.router.add_route(route.method, path + "/", route.handler)


async def _health(request: web.Request) -> web.Response:
    async with request.app[DB].read() as conn:
        await conn.exec_driver_sql("SELECT 1")
    return web.json_response({"status": "ok", "version": __version__})
