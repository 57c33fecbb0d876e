"""Administration: the members, searched and paged, and suspending them (admins only).

Suspending goes through ``member_admin.suspend`` (the service ``warmline member
suspend`` uses): the member is signed out of every browser, their apps' tokens
stop working, their profile is withheld and followers' servers are told. Each
action asks for confirmation in place (a ``<details>``, so without JavaScript too).
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from server.appkeys import SERVICES
from server.services import member_admin
from server.services.errors import Conflict
from server.store.accounts import MemberRow
from server.web.responses import back, fragment, page, redirect
from server.web.routing import PageRoutes, is_htmx
from server.web.session import admin
from server.web.views import person

routes = PageRoutes()
PER_PAGE = 50


def _page_number(request: web.Request) -> int:
    value = request.query.get("page", "1")
    return int(value) if value.isdigit() and len(value) < 7 else 1


def _rows(request: web.Request, found: list[MemberRow]) -> list[dict[str, object]]:
    svc = request.app[SERVICES]
    return [
        {"row": row, "person": person(svc, row.account), "state": member_admin.state_of(row)}
        for row in found
    ]


@routes.get("/admin/members")
async def members_page(request: web.Request) -> web.Response:
    session = await admin(request)
    text = request.query.get("q", "")
    found = await member_admin.find_members(
        request.app[SERVICES].db, text, page=_page_number(request), per_page=PER_PAGE
    )

    def page_url(number: int) -> str:
        query = {"q": text, "page": str(number)} if text else {"page": str(number)}
        return str(URL("/admin/members").with_query(query))

    return await page(
        request,
        "admin/members.html",
        tab="members",
        query=text,
        found=found,
        rows=_rows(request, found.members),
        me_id=session.account.id,
        previous=page_url(found.page - 1) if found.page > 1 else "",
        next=page_url(found.page + 1) if found.page < found.pages else "",
    )


@routes.post(r"/admin/members/{username}/{action:suspend|unsuspend}")
async def suspension(request: web.Request) -> web.StreamResponse:
    session = await admin(request)
    svc, username = request.app[SERVICES], request.match_info["username"]
    suspending = request.match_info["action"] == "suspend"
    try:
        if suspending:
            account = await member_admin.suspend(svc, username, by=session.account)
        else:
            account = await member_admin.unsuspend(svc, username, by=session.account)
    except Conflict:  # done already (another admin, another tab): show it as it is
        if not is_htmx(request):
            raise
    if is_htmx(request):
        row = await member_admin.member_row(svc.db, username)
        return await fragment(
            request, "admin/parts/member_row.html", item=_rows(request, [row])[0],
            me_id=session.account.id, changed=True,
        )  # fmt: skip
    if suspending:
        message = f"@{account.username} is suspended and signed out everywhere."
    else:
        message = f"@{account.username} can sign in again."
    raise redirect(request, back(request, "/admin/members"), flash=message)
