"""Lists (``/lists``): a member's named lists of people they follow, each with its
own timeline (``services/lists.py``, the same lists as Mastodon's API). Make,
rename and delete lists; add and take off people one follows; read a list's posts.
Every form works without JavaScript; a refusal comes back as the page's message."""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import csv_exchange, lists
from server.services.errors import ServiceError
from server.store.statuses import Page
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, form_of, path_id, query_id
from server.web.session import member
from server.web.views import Views

routes = PageRoutes()
PAGE_SIZE = 20
POLICIES = ("list", "followed", "none")


def _list_id(request: web.Request) -> int:
    return path_id(request, "list_id", "List not found")


@routes.get("/lists")
async def index(request: web.Request) -> web.Response:
    session = await member(request)
    found = await lists.all_lists(request.app[SERVICES], session.account)
    return await page(
        request,
        "lists/index.html",
        lists=found,
        form=FormState.of({"replies_policy": "list"}),
        max_lists=lists.MAX_LISTS,
    )


@routes.post("/lists")
async def create(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    form = form_of(request)
    try:
        made = await lists.create(
            request.app[SERVICES],
            session.account,
            form.text("title"),
            replies_policy=form.text("replies_policy") or None,
            exclusive=form.flag("exclusive"),
        )
    except ServiceError as exc:
        raise redirect(request, "/lists", flash=exc.message) from None
    raise redirect(request, f"/lists/{made.id}", flash="The list is made.")


@routes.get(r"/lists/{list_id}")
async def show(request: web.Request) -> web.Response:
    session = await member(request)
    svc, me = request.app[SERVICES], session.account
    found = await lists.get(svc, me, _list_id(request))
    max_id = query_id(request)
    posts = await lists.timeline(svc, me, found.id, Page(limit=PAGE_SIZE, max_id=max_id))
    on_list = [a for _, a in await lists.members(svc, me, found.id, None)]
    there = {a.id for a in on_list}
    others = [a for a in await csv_exchange.following(svc, me) if a.id not in there]
    views = await Views(svc, me).load(posts, people=[*on_list, *others])
    return await page(
        request,
        "lists/show.html",
        the_list=found,
        form=FormState.of(
            {
                "title": found.title,
                "replies_policy": found.replies_policy,
                "exclusive": "1" if found.exclusive else "",
            }
        ),
        people=[views.person(a) for a in on_list],
        member_ids=[a.id for a in on_list],
        addable=[(a.id, views.person(a)) for a in others],
        posts=views.posts(posts),
        older=posts[-1].id if len(posts) == PAGE_SIZE else None,
        older_than=max_id,
    )


@routes.post(r"/lists/{list_id}")
async def update(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    form, list_id = form_of(request), _list_id(request)
    try:
        await lists.update(
            request.app[SERVICES],
            session.account,
            list_id,
            title=form.text("title"),
            replies_policy=form.text("replies_policy") or None,
            exclusive=form.flag("exclusive"),
        )
    except ServiceError as exc:
        raise redirect(request, f"/lists/{list_id}", flash=exc.message) from None
    raise redirect(request, f"/lists/{list_id}", flash="The list is saved.")


@routes.post(r"/lists/{list_id}/delete")
async def delete(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    await lists.delete(request.app[SERVICES], session.account, _list_id(request))
    raise redirect(request, "/lists", flash="The list is deleted.")


@routes.post(r"/lists/{list_id}/{action:add|remove}")
async def accounts(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, form, list_id = request.app[SERVICES], form_of(request), _list_id(request)
    account_id = form.text("account_id")
    wanted = [int(account_id)] if account_id.isdigit() else []
    try:
        if request.match_info["action"] == "add":
            await lists.add_accounts(svc, session.account, list_id, wanted)
        else:
            await lists.remove_accounts(svc, session.account, list_id, wanted)
    except ServiceError as exc:
        raise redirect(request, f"/lists/{list_id}", flash=exc.message) from None
    raise redirect(request, f"/lists/{list_id}")
