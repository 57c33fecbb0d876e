"""Profile pages: a member of this instance at ``/@alice``, anyone elsewhere at
``/@bob@their.example`` (looked up by WebFinger and fetched when first asked for).

Public profile pages carry h-card microformats, ``rel="me"`` links and Open
Graph tags, so a link to one previews well anywhere.
"""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup

from server.appkeys import SERVICES
from server.services import endorsements, objects, recommendations, search, timelines
from server.services.errors import NotFound
from server.store.accounts import AccountRow
from server.store.statuses import Page
from server.web.responses import page
from server.web.session import viewer
from server.web.views import Views, local_path

POSTS_SHOWN = 20

OPEN_TO_LABELS = {
    "hiring": "Hiring",
    "new_role": "A new role",
    "mentoring": "Mentoring",
    "investing": "Investing",
    "partnering": "Partnering",
    "speaking": "Speaking",
}


def _links(account: AccountRow) -> list[tuple[str, str]]:
    return [
        (link.get("name") or link["url"], link["url"])
        for link in account.links
        if str(link.get("url", "")).startswith(("https://", "http://"))
    ]


async def profile_page(request: web.Request, account: AccountRow) -> web.Response:
    session = await viewer(request)
    me = session.account if session else None
    svc = request.app[SERVICES]
    skills = await endorsements.summary(svc, account)
    recs = await recommendations.shown_on_profile(svc, account, Page(limit=10))
    found = await timelines.account_statuses(svc, me, account, Page(limit=POSTS_SHOWN))
    people = {r.account_id for r in recs} | {p.id for s in skills for p in s.endorsers}
    views = await Views(svc, me).load(found, [account.id, *people])
    return await page(
        request,
        "profile.html",
        account=account,
        person=views.person(account),
        actor_url=objects.account_uri(svc, account),
        # Stored summaries and field values are sanitised HTML (nh3) already.
        summary=Markup(account.summary),
        fields=[(f["name"], Markup(f["value"])) for f in account.fields],
        header=local_path(svc, svc.urls.local(account.header_url)),
        open_to=[OPEN_TO_LABELS.get(item, item) for item in account.open_to],
        skills=skills,
        recommendations=[(r, views.person_by_id(r.account_id)) for r in recs],
        links=_links(account),
        posts=views.posts(found),
    )


async def remote_profile(request: web.Request, acct: str) -> web.Response:
    """Someone on another instance, by ``user@domain``: from our copy, else found
    by WebFinger and fetched (once; ``search.lookup`` keeps what it fetched)."""
    svc = request.app[SERVICES]
    username, _, domain = acct.partition("@")
    if not username or not domain:
        raise NotFound("Nothing is here")
    account = await search.lookup(svc, acct)
    if account is None:
        if await viewer(request) is None:  # only members make this instance fetch
            raise NotFound(f"No profile of @{acct} is known here: sign in to look it up")
        found = await search.accounts(svc, acct, resolve=True, limit=1)
        account = found[0] if found else None
    if account is None:
        raise NotFound(f"No one called @{acct} could be found")
    if account.is_local:
        raise web.HTTPMovedPermanently(f"/@{account.username}")
    return await profile_page(request, account)
