"""Rules every page keeps by construction: POSTs are CSRF-checked, text is marked
for translation, assets are hashed, small and cached for a year."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web

from server.app import create_app
from server.config import load_config
from server.web.assets import IMMUTABLE, Assets
from server.web.routing import CSRF_CHECKED
from server.web.templating import TEMPLATE_DIR

# Attributes people read or hear: their text must be translatable too.
READ_ATTRIBUTES = ("aria-label", "placeholder", "alt", "title", "data-copied")
PAGE_WEIGHT_BUDGET = 100 * 1024  # CSS and JavaScript a page loads, compressed


def _app(tmp_path: Path) -> web.Application:
    return create_app(load_config(environ={}, dev=True, data=str(tmp_path)), workers=False)


def test_every_page_post_checks_csrf(tmp_path: Path) -> None:
    unchecked = []
    for route in _app(tmp_path).router.routes():
        handler = route.handler
        module = getattr(handler, "__module__", "")
        page_post = route.method == "POST" and module.startswith("server.web")
        if page_post and not getattr(handler, CSRF_CHECKED, False):
            unchecked.append(f"{route.method} {route.resource.canonical}")  # type: ignore[union-attr]
    assert not unchecked, f"page POSTs without the CSRF check (use PageRoutes): {unchecked}"


def _untranslated(source: str) -> list[str]:
    text = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    text = re.sub(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", "", text, flags=re.S)
    text = re.sub(r"\{% block layout %\}.*?\{% endblock %\}", "", text)  # a CSS class
    text = re.sub(r"\{\{.*?\}\}", "", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", "", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
    found = []
    for tag in re.findall(r"<[^>]+>", text):
        for name, value in re.findall(r'([\w-]+)="([^"]*)"', tag):
            if name in READ_ATTRIBUTES and re.search(r"[A-Za-z]", value):
                found.append(f'{name}="{value}"')
    words = re.sub(r"<[^>]+>", " ", text)
    words = re.sub(r'[\w-]+="[^"]*"', " ", words)  # attributes a macro writes into a tag
    words = re.sub(r"&[a-z]+;|&#\d+;", " ", words)
    found += [w.strip() for w in re.findall(r"[A-Za-z][A-Za-z' ]*", words) if w.strip()]
    return found


def test_every_text_in_templates_is_marked_for_translation() -> None:
    problems = {}
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        found = _untranslated(path.read_text())
        if found:
            problems[str(path.relative_to(TEMPLATE_DIR))] = found[:5]
    assert not problems, 'wrap text in {{ _("...") }} or {% trans %}...{% endtrans %}: ' + repr(
        problems
    )


def test_the_translation_check_finds_bare_text() -> None:
    assert _untranslated("<p>Hello {{ name }}</p>") == ["Hello"]
    assert _untranslated('<input placeholder="Search">') == ['placeholder="Search"']
    assert _untranslated('<p>{{ _("Hello") }} {% trans %}Hi {{ x }}{% endtrans %}</p>') == []


def test_assets_have_hashed_names_and_a_small_budget() -> None:
    assets = Assets()
    css = assets.url("app.css")
    assert re.fullmatch(r"/assets/app\.[0-9a-f]{12}\.css", css)
    loaded = ("app.css", "vendor/htmx.min.js", "vendor/htmx-sse.min.js", "js/app.js", "js/posts.js")
    assert assets.weight(*loaded) < PAGE_WEIGHT_BUDGET


async def test_assets_are_served_gzipped_and_cached_for_a_year(
    tmp_path: Path, aiohttp_client: object
) -> None:
    client = await aiohttp_client(_app(tmp_path))  # type: ignore[operator]
    url = Assets().url("app.css")
    resp = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.status == 200 and resp.headers["Cache-Control"] == IMMUTABLE
    assert resp.headers["Content-Encoding"] == "gzip"
    assert ":root" in await resp.text()
    old = url.replace(url.split(".")[1], "0" * 12)
    assert (await client.get(old)).status == 404


def test_babel_extracts_the_marked_texts() -> None:
    from babel.messages.extract import extract_from_dir

    root = TEMPLATE_DIR.parent.parent.parent
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, *_ in extract_from_dir(
            str(root),
            method_map=[("server/web/templates/**.html", "jinja2")],
            options_map={"server/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    }
    assert {"Sign in", "Skip to content", "Join"} <= found
    assert any("mutual connection" in text for text in found)
