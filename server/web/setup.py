"""Adding the web interface to the app: templates, hashed assets and page routes."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import CONFIG, TEMPLATES
from server.web import (
    admin,
    admin_domains,
    admin_members,
    admin_reports,
    auth,
    composing,
    event_actions,
    event_form,
    events,
    explore,
    group_actions,
    group_members,
    groups,
    home,
    lists,
    live,
    network,
    network_actions,
    notifications,
    people,
    posts,
    profile,
    profile_edit,
    reporting,
    search,
    settings,
    settings_archive,
    settings_delete,
    settings_domain_blocks,
    settings_exchange,
    settings_linkedin,
    settings_moving,
)
from server.web.assets import PREFIX, STATIC_DIR, Assets
from server.web.templating import make_templates

ASSETS = web.AppKey("assets", Assets)
# One per line: each area of the interface adds its own.
PAGE_MODULES = (
    auth,
    home,
    composing,
    posts,
    explore,
    live,
    events,
    event_form,
    event_actions,
    groups,
    group_actions,
    group_members,
    profile,
    people,
    profile_edit,
    network,
    network_actions,
    lists,
    notifications,
    search,
    settings,
    settings_moving,
    settings_exchange,
    settings_domain_blocks,
    settings_linkedin,
    settings_archive,
    settings_delete,
    admin,
    admin_members,
    admin_domains,
    reporting,
    admin_reports,
)


def install(app: web.Application) -> None:
    assets = Assets()
    app[ASSETS] = assets
    app[TEMPLATES] = make_templates(assets, auto_reload=app[CONFIG].dev)
    for module in PAGE_MODULES:
        app.add_routes(module.routes)
    app.router.add_get(PREFIX + "{name:.+}", assets.serve)
    # The default avatar keeps a stable URL: peers copy it into their own records.
    app.router.add_static("/static", STATIC_DIR, append_version=False)
