"""HTML pages: the home page and member profiles."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web
from aiohttp.helpers import ChainMapProxy
from markupsafe import Markup

from server import __version__
from server.appkeys import CONFIG, DB, SERVICES, TEMPLATES
from server.services import endorsements, objects, recommendations, timelines
from server.store import accounts as q
from server.store.accounts import AccountRow
from server.store.statuses import Page

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

routes = web.RouteTableDef()


def make_templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        enable_async=False,
    )
    env.globals["version"] = __version__
    return env


def render_html(
    app: web.Application | ChainMapProxy,
    template: str,
    *,
    http_status: int = 200,
    **context: object,
) -> str:
    """A page rendered with what every template may use (instance, domain, and
    ``http_status``, the answer's status code).

    ``app`` may be ``request.config_dict``, so sub-apps see the root app's keys.
    The HTTP status is not called ``status``: in templates that name is a post.
    """
    config = app[CONFIG]
    return (
        app[TEMPLATES]
        .get_template(template)
        .render(instance=config.instance, domain=config.domain, http_status=http_status, **context)
    )


def render(
    request: web.Request, template: str, *, http_status: int = 200, **context: object
) -> web.Response:
    html = render_html(request.config_dict, template, http_status=http_status, **context)
    return web.Response(
        text=html, status=http_status, content_type="text/html", headers={"Vary": "Accept"}
    )


async def render_profile(request: web.Request, account: AccountRow) -> web.Response:
    svc = request.app[SERVICES]
    urls, config = svc.urls, request.app[CONFIG]
    skills = await endorsements.summary(svc, account)
    recs = await recommendations.shown_on_profile(svc, account, Page(limit=10))
    async with svc.db.read() as conn:
        authors = await q.get_accounts(conn, {r.account_id for r in recs})
    return render(
        request,
        "profile.html",
        account=account,
        handle=f"@{account.username}@{config.domain}",
        actor_url=urls.actor(account.username),
        # Stored summaries and field values are sanitised HTML (nh3) already.
        summary=Markup(account.summary),
        fields=[(f["name"], Markup(f["value"])) for f in account.fields],
        avatar=urls.avatar(account.avatar_url),
        # The professional profile is plain text: the template escapes it.
        open_to=[OPEN_TO_LABELS.get(item, item) for item in account.open_to],
        skills=skills,
        recommendations=[(r, authors.get(r.account_id)) for r in recs],
        links=[
            (link.get("name") or link["url"], link["url"])
            for link in account.links
            if str(link.get("url", "")).startswith(("https://", "http://"))
        ],
    )


OPEN_TO_LABELS = {
    "hiring": "Hiring",
    "new_role": "A new role",
    "mentoring": "Mentoring",
    "investing": "Investing",
    "partnering": "Partnering",
    "speaking": "Speaking",
}


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    async with request.app[DB].read() as conn:
        member_count = await q.count_local_members(conn)
    return render(request, "home.html", member_count=member_count)


@routes.get("/about")
async def about(request: web.Request) -> web.Response:
    return await home(request)


@routes.get("/tags/{name}")
async def tag_page(request: web.Request) -> web.Response:
    """Recent public posts with a hashtag (where our hashtag links point)."""
    svc = request.app[SERVICES]
    name = request.match_info["name"].lower()
    found = await timelines.tag(svc, None, name, Page(limit=40))
    async with svc.db.read() as conn:
        authors = await q.get_accounts(conn, {s.account_id for s in found})
    items = []
    for status in found:
        author = authors[status.account_id]
        url = objects.status_url(svc, status, author)
        # Stored content is sanitised HTML (ours rendered, theirs cleaned by nh3).
        items.append(
            {"status": status, "author": author, "url": url, "content": Markup(status.content)}
        )
    return render(request, "tag.html", tag=name, items=items)
