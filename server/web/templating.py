"""The jinja2 environment every page is rendered with: autoescaping, translations,
filters for times and numbers, and the hashed asset URLs.

Text in templates is marked for translation (``{{ _("...") }}``, ``{% trans %}``);
``pybabel extract -F server/web/babel.cfg`` collects it (docs/translating.md). English ships;
catalogs placed in ``server/web/locales/<lang>/LC_MESSAGES/messages.mo`` are used
when present.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from aiohttp.helpers import ChainMapProxy
from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal
from babel.support import Translations
from markupsafe import Markup

from server import __version__
from server.appkeys import CONFIG, TEMPLATES

TEMPLATE_DIR = Path(__file__).parent / "templates"
LOCALE_DIR = Path(__file__).parent / "locales"
LOCALE = "en"

ASSETS_KEY = "assets"  # the Assets object, a template global


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "3 minutes ago", then a date: how long ago something happened."""
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    delta = moment - now
    if -delta < timedelta(minutes=1):
        return "just now"
    if -delta < timedelta(days=7):
        return format_timedelta(delta, add_direction=True, locale=LOCALE)
    if moment.year == now.year:
        return format_date(moment, "d MMM", locale=LOCALE)
    return format_date(moment, "d MMM y", locale=LOCALE)


def timestamp(moment: datetime | None) -> Markup:
    """A ``<time>`` element: relative text, the exact moment as its title."""
    if moment is None:
        return Markup("")
    exact = format_datetime(moment, "d MMMM y, HH:mm 'UTC'", tzinfo=UTC, locale=LOCALE)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.astimezone(UTC).isoformat(timespec="seconds"), exact, ago(moment)
    )


def number(value: int) -> str:
    return format_decimal(value, locale=LOCALE)


def make_templates(assets: Any = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translations = Translations.load(str(LOCALE_DIR), [LOCALE])
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals["version"] = __version__
    env.globals[ASSETS_KEY] = assets
    env.globals["asset"] = (lambda name: assets.url(name)) if assets else (lambda name: "")
    env.filters["ago"] = ago
    env.filters["timestamp"] = timestamp
    env.filters["number"] = number
    return env


def render_html(app: web.Application | ChainMapProxy, template: str, **context: object) -> str:
    """A page rendered with what every template may use (instance, domain).

    ``app`` may be ``request.config_dict``, so sub-apps see the root app's keys.
    """
    config = app[CONFIG]
    return (
        app[TEMPLATES]
        .get_template(template)
        .render(instance=config.instance, domain=config.domain, **context)
    )
