"""Warmline extension routes: a member's lists as Mastodon's CSV files.

``GET /api/v1/warmline/export/{kind}.csv`` (``following``, ``followers``,
``blocks``, ``mutes``, ``bookmarks``, ``lists``, ``domain_blocks``) answers the
file the settings page's export links give (``services/csv_exchange.py``), with
a token holding the scope that reads that list.
"""

from __future__ import annotations

from aiohttp import web

from server.api import auth
from server.appkeys import SERVICES
from server.services import csv_exchange

routes = web.RouteTableDef()
KINDS = "|".join(csv_exchange.EXPORTS)
SCOPES = {
    "following": "read:follows",
    "followers": "read:follows",
    "blocks": "read:blocks",
    "mutes": "read:mutes",
    "bookmarks": "read:bookmarks",
    "lists": "read:lists",
    "domain_blocks": "read:blocks",
}


def csv_response(domain: str, kind: str, text: str) -> web.Response:
    """A CSV file to save, named as Mastodon names it (this server's name first);
    the settings page's export links answer the same."""
    name = "".join(c if c.isalnum() or c in ".-" else "-" for c in domain)
    return web.Response(
        text=text,
        content_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{csv_exchange.FILENAMES[kind]}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@routes.get(f"/api/v1/warmline/export/{{kind:{KINDS}}}.csv")
async def export(request: web.Request) -> web.Response:
    kind = request.match_info["kind"]
    me = await auth.required(request, SCOPES[kind])
    svc = request.app[SERVICES]
    text = await csv_exchange.export_csv(svc, me.account, kind)
    return csv_response(svc.config.domain, kind, text)
