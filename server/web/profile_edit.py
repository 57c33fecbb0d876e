"""Editing one's own profile at ``/profile/edit``: every field of the professional
profile, and the pictures (``/profile/pictures``).

Both call ``services.actors.change_profile``, as the client API's
``update_credentials`` does, so the checks and the ``Update`` sent to followers
are the same. Repeating entries work without JavaScript: the form shows the
entries and one empty row, "Add another" sends the form back with one more row
(nothing is saved), "Remove" leaves an entry out (``profile_form``). With htmx
"Add another" swaps only its section.
"""

from __future__ import annotations

from aiohttp import web

from server.appkeys import SERVICES
from server.services import members, profiles
from server.services.actors import change_profile
from server.services.errors import ServiceError, ValidationError
from server.services.members import ProfileChanges
from server.store.accounts import AccountRow
from server.web import profile_form
from server.web.forms import GENERAL, FormState
from server.web.profile_form import SECTIONS, Rows
from server.web.responses import page, redirect
from server.web.routing import PageRoutes, form_of
from server.web.session import member
from server.web.views import local_path, person

routes = PageRoutes()
PICTURES = ("avatar", "header")
LIMITS = {
    "display_name": members.DISPLAY_NAME_MAX,
    "headline": members.HEADLINE_MAX,
    "summary": members.SUMMARY_MAX,
    "location": members.LOCATION_MAX,
    "industry": profiles.INDUSTRY_MAX,
    "name": profiles.NAME_MAX,
    "description": profiles.DESCRIPTION_MAX,
    "link_name": profiles.LINK_NAME_MAX,
    "url": profiles.URL_MAX,
    "field_name": members.FIELD_NAME_MAX,
    "field_value": members.FIELD_VALUE_MAX,
}


async def _render(
    request: web.Request,
    account: AccountRow,
    form: FormState,
    rows: Rows,
    *,
    pictures: FormState | None = None,
    http_status: int = 200,
    focus: str = "",
) -> web.Response:
    svc = request.app[SERVICES]
    return await page(
        request,
        "profile_edit.html",
        http_status=http_status,
        form=form,
        rows=rows.shown,
        pictures=pictures or FormState.of(),
        person=person(svc, account),
        account=account,
        header=local_path(svc, svc.urls.local(account.header_url)),
        open_to_choices=profiles.OPEN_TO,
        limits=LIMITS,
        max_rows=profile_form.MAX_ROWS,
        welcome=request.query.get("welcome") == "1",
        focus=focus,
    )


@routes.get("/profile/edit")
async def edit_page(request: web.Request) -> web.Response:
    session = await member(request)
    values, rows = profile_form.values_of(session.account)
    return await _render(request, session.account, FormState.of(values), rows)


@routes.post("/profile/edit")
async def save(request: web.Request) -> web.StreamResponse:
    session = await member(request)
    svc, form = request.app[SERVICES], form_of(request)
    changes, rows = profile_form.changes_of(form)
    state = FormState.of(form.fields)
    section = form.text("add")
    if section in SECTIONS:  # "Add another": the same form, one more row, nothing saved
        rows.add(section)
        focus = f"{section}-{rows.shown[section] - 1}-{SECTIONS[section][0]}"
        return await _render(request, session.account, state, rows, focus=focus)
    try:
        account = await change_profile(svc, session.account.username, changes)
    except ServiceError as exc:
        field = exc.field if isinstance(exc, ValidationError) else None
        state.refused(exc, {field or "": profile_form.form_field(field, rows)})
        return await _render(request, session.account, state, rows, http_status=exc.status)
    raise redirect(request, person(svc, account).path, flash="Your profile is saved.")


@routes.post("/profile/pictures", files=PICTURES)
async def save_pictures(request: web.Request) -> web.StreamResponse:
    """A new avatar or header (or neither: the header removed, the avatar reset)."""
    session = await member(request)
    svc, form = request.app[SERVICES], form_of(request)
    files = {name: form.files[name] for name in PICTURES if name in form.files}
    removed = {
        f"{name}_url": "" for name in PICTURES if form.flag(f"remove_{name}") and name not in files
    }
    try:
        if not files and not removed:
            raise ValidationError("choose a picture to upload first", field="avatar")
        await change_profile(svc, session.account.username, ProfileChanges(**removed), files)
    except ServiceError as exc:
        return await _pictures_refused(request, session.account, files, exc)
    raise redirect(request, "/profile/edit", flash="Your pictures are saved.")


async def _pictures_refused(
    request: web.Request, account: AccountRow, files: dict[str, bytes], exc: ServiceError
) -> web.Response:
    """The edit page again, the message next to the picture it is about."""
    field = exc.field if isinstance(exc, ValidationError) else None
    if field == "file":  # the image service names no picture: it checks one at a time
        field = next(iter(files)) if len(files) == 1 else GENERAL
    pictures = FormState.of().refused(exc, {exc.field or "": field or GENERAL})
    values, rows = profile_form.values_of(account)
    return await _render(
        request, account, FormState.of(values), rows, pictures=pictures, http_status=exc.status
    )
