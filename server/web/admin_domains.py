"""Administration: which other servers this one talks to (admins only).

Domain blocks (suspend, limit, or only a note), moved in and out as Mastodon's
CSV, and the list of allowed servers that counts when ``[federation]
allowlist_mode`` is on. Every rule is in ``services/domain_blocks.py`` (which the
admin API and ``warmline domain`` use too): a handler reads the form, calls it,
and shows the outcome; a refusal comes back as the same page, its message next
to the field it is about and everything typed kept.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from server.appkeys import SERVICES
from server.services import domain_blocks
from server.services.domain_blocks import ImportResult
from server.services.errors import ServiceError, ValidationError
from server.store.domains import DomainBlockRow
from server.web.forms import FormState
from server.web.responses import page, redirect
from server.web.routing import Form, PageRoutes, form_of, path_id
from server.web.session import admin

routes = PageRoutes()
PAGE = "/admin/domains"
NEW_BLOCK = {"domain": "", "severity": "silence"}  # the service's default severity
ALLOW_FIELDS = {"domain": "allow_domain"}  # the allow form's field, beside the block form's
BAD_LINES_SHOWN = 50
BLOCKED = {
    "suspend": "{domain} is suspended: nothing goes to it or comes from it any more.",
    "silence": "{domain} is limited.",
    "noop": "{domain} is on the list, with no action taken.",
}
NO_BLOCK = "This server is not blocked (any more)"
NO_ALLOW = "This server is not on the list of allowed servers (any more)"


def _options(form: Form) -> dict[str, Any]:
    """A block's options as the form gives them: a box left unticked is False, no
    severity chosen is None (the service's default for a new block, else unchanged)."""
    return {
        "severity": form.text("severity") or None,
        **{flag: form.flag(flag) for flag in domain_blocks.FLAGS},
        **{name: form.text(name) for name in domain_blocks.COMMENTS},
    }


def _values(block: DomainBlockRow) -> dict[str, Any]:
    """A block as its edit form shows it."""
    return {
        "severity": block.severity,
        **{flag: getattr(block, flag) for flag in domain_blocks.FLAGS},
        **{name: getattr(block, name) or "" for name in domain_blocks.COMMENTS},
    }


async def _domains_page(
    request: web.Request,
    *,
    form: FormState | None = None,
    import_form: FormState | None = None,
    allow_form: FormState | None = None,
    imported: ImportResult | None = None,
    http_status: int = 200,
) -> web.Response:
    svc = request.app[SERVICES]
    return await page(
        request,
        "admin/domains.html",
        tab="domains",
        blocks=await domain_blocks.list_blocks(svc),
        allows=await domain_blocks.list_allows(svc),
        allowlist_mode=svc.config.federation.allowlist_mode,
        form=form or FormState.of(NEW_BLOCK),
        import_form=import_form or FormState.of(),
        allow_form=allow_form or FormState.of(),
        imported=imported,
        bad_lines_shown=BAD_LINES_SHOWN,
        max_comment=domain_blocks.MAX_COMMENT,
        http_status=http_status,
    )


@routes.get(PAGE)
async def domains_page(request: web.Request) -> web.Response:
    await admin(request)
    return await _domains_page(request)


# Blocks


@routes.post(PAGE)
async def block(request: web.Request) -> web.StreamResponse:
    me = await admin(request)
    svc, submitted = request.app[SERVICES], form_of(request)
    try:
        made = await domain_blocks.block(
            svc, submitted.text("domain"), by=me.account, **_options(submitted)
        )
    except ServiceError as exc:
        form = FormState.of(submitted.fields).refused(exc)
        return await _domains_page(request, form=form, http_status=exc.status)
    raise redirect(request, PAGE, flash=BLOCKED[made.severity].format(domain=made.domain))


async def _edit_page(
    request: web.Request, block: DomainBlockRow, form: FormState, http_status: int = 200
) -> web.Response:
    return await page(
        request, "admin/domain_edit.html", tab="domains", block=block, form=form,
        max_comment=domain_blocks.MAX_COMMENT, http_status=http_status,
    )  # fmt: skip


@routes.get(r"/admin/domains/{block_id}/edit")
async def edit_page(request: web.Request) -> web.Response:
    await admin(request)
    found = await domain_blocks.get_block(
        request.app[SERVICES], path_id(request, "block_id", NO_BLOCK)
    )
    return await _edit_page(request, found, FormState.of(_values(found)))


@routes.post(r"/admin/domains/{block_id}/edit")
async def edit(request: web.Request) -> web.StreamResponse:
    me = await admin(request)
    svc, submitted = request.app[SERVICES], form_of(request)
    block_id = path_id(request, "block_id", NO_BLOCK)
    try:
        changed = await domain_blocks.update_block(
            svc, block_id, by=me.account, **_options(submitted)
        )
    except ServiceError as exc:
        found = await domain_blocks.get_block(svc, block_id)  # gone meanwhile: NotFound
        form = FormState.of(submitted.fields).refused(exc)
        return await _edit_page(request, found, form, exc.status)
    raise redirect(request, PAGE, flash=f"The block on {changed.domain} is saved.")


@routes.post(r"/admin/domains/{block_id}/lift")
async def lift(request: web.Request) -> web.StreamResponse:
    me = await admin(request)
    block_id = path_id(request, "block_id", NO_BLOCK)
    lifted = await domain_blocks.unblock(request.app[SERVICES], block_id, by=me.account)
    message = f"The block on {lifted.domain} is lifted."
    if lifted.severity == "suspend":
        message += " Its accounts here are restored; follows that ended do not come back."
    raise redirect(request, PAGE, flash=message)


# Moving the list in and out as Mastodon's CSV


@routes.get("/admin/domains/export.csv")
async def export(request: web.Request) -> web.Response:
    await admin(request)
    svc = request.app[SERVICES]
    text = domain_blocks.export_csv(await domain_blocks.list_blocks(svc))
    name = "".join(c if c.isalnum() or c in ".-" else "-" for c in svc.config.domain)
    return web.Response(
        text=text,
        content_type="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-domain-blocks.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _uploaded_text(form: Form) -> str:
    """The uploaded file as text (reading the form, not a rule of the block list)."""
    if "file" in form.file_errors:
        raise ValidationError(form.file_errors["file"], field="file")
    data = form.files.get("file")
    if not data:
        raise ValidationError("Choose a CSV file to import", field="file")
    try:
        return data.decode("utf-8")  # a spreadsheet's BOM is the service's to drop
    except UnicodeDecodeError:
        raise ValidationError(
            "This file is not UTF-8 text: save it as CSV (UTF-8)", field="file"
        ) from None


@routes.post("/admin/domains/import", files=("file",))
async def import_blocks(request: web.Request) -> web.StreamResponse:
    me = await admin(request)
    svc, submitted = request.app[SERVICES], form_of(request)
    try:
        result = await domain_blocks.import_csv(svc, _uploaded_text(submitted), by=me.account)
    except ServiceError as exc:
        form = FormState.of().refused(exc)
        return await _domains_page(request, import_form=form, http_status=exc.status)
    if result.errors:  # the bad lines are shown on the page, with what was done
        return await _domains_page(request, imported=result)
    raise redirect(
        request, PAGE,
        flash=f"Imported: {len(result.added)} added, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged.",
    )  # fmt: skip


# The list of allowed servers (what counts in allowlist mode)


@routes.post("/admin/domains/allowed")
async def allow(request: web.Request) -> web.StreamResponse:
    me = await admin(request)
    svc, submitted = request.app[SERVICES], form_of(request)
    try:
        allowed = await domain_blocks.allow(svc, submitted.text("allow_domain"), by=me.account)
    except ServiceError as exc:
        form = FormState.of(submitted.fields).refused(exc, ALLOW_FIELDS)
        return await _domains_page(request, allow_form=form, http_status=exc.status)
    raise redirect(request, PAGE, flash=f"{allowed.domain} is on the list of allowed servers.")


@routes.post(r"/admin/domains/allowed/{allow_id}/remove")
async def disallow(request: web.Request) -> web.StreamResponse:
    me = await admin(request)
    allow_id = path_id(request, "allow_id", NO_ALLOW)
    removed = await domain_blocks.disallow(request.app[SERVICES], allow_id, by=me.account)
    message = f"{removed.domain} is no longer on the list of allowed servers."
    raise redirect(request, PAGE, flash=message)
