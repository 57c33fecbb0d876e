"""The jinja2 environment every page is rendered with: autoescaping, translations,
filters for times and numbers, icons, and the hashed asset URLs.

Text in templates is marked for translation (``{{ _("...") }}``, ``{% trans %}``);
``pybabel extract -F server/web/babel.cfg`` collects it (docs/web.md, "Translating").
English ships; catalogs placed in ``server/web/locales/<lang>/LC_MESSAGES/messages.mo``
are used when present.

Pages are rendered on the event loop, so the small things done dozens of times a
page are kept cheap: ``_("a literal")`` is translated once, when the template
compiles (an environment serves one language); icons, avatars and counts are
filters (plain calls, folded into the compiled template when their arguments
are constants) rather than macros; dates are formatted with a parsed locale.

The macro files (``macros/``) are imported without context, so each is built
once per process, not once per import per page (a page imported a dozen, and
their macros' reference cycles were most of the garbage a page left for the
cyclic collector). What they need of the page being rendered, its CSRF field
and whether someone is signed in, they read through two globals backed by a
context variable that ``render_html`` sets around the (synchronous) render;
anything else is an argument.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from aiohttp.helpers import ChainMapProxy
from babel import Locale
from babel.dates import TIMEDELTA_UNITS, format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup, escape

from server import __version__
from server.appkeys import CONFIG, TEMPLATES

TEMPLATE_DIR = Path(__file__).parent / "templates"
LOCALE_DIR = Path(__file__).parent / "locales"
LOCALE = Locale.parse("en")

ASSETS_KEY = "assets"  # the Assets object, a template global
_NO_CSRF = Markup("")
# The page being rendered: its CSRF field, and whether a member is signed in.
_PAGE: ContextVar[tuple[Markup, bool]] = ContextVar("warmline_page", default=(_NO_CSRF, False))


class _CsrfField:
    """``{{ csrf_field }}``: the hidden CSRF input of the page being rendered."""

    def __html__(self) -> str:
        return _PAGE.get()[0]

    __str__ = __html__


def signed_in() -> bool:
    """``{% if signed_in() %}``: whether the page is rendered for a signed-in member."""
    return _PAGE.get()[1]


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "3 minutes ago", then a date: how long ago something happened."""
    if moment is None:
        return ""
    now = now or datetime.now(UTC)
    delta = moment - now
    if -delta < timedelta(minutes=1):
        return "just now"
    if -delta < timedelta(days=7):
        return _relative(delta.total_seconds())
    return _day(moment.date(), moment.year == now.year)


def _relative(seconds: float) -> str:
    """``format_timedelta(seconds, add_direction=True)``, remembered by what its words
    depend on: the direction, and the unit and count it rounds to, chosen here as
    babel chooses them. ``ago`` asks only within a week: a few hundred at most."""
    size = abs(seconds)
    for unit, per_unit in TIMEDELTA_UNITS:
        if size / per_unit >= _THRESHOLD or unit == "second":
            key = (seconds >= 0, unit, round(size / per_unit))
            words = _RELATIVE.get(key)
            if words is None:
                words = _RELATIVE[key] = format_timedelta(
                    seconds, threshold=_THRESHOLD, add_direction=True, locale=LOCALE
                )
            return words
    return ""  # not reached: "second" always answers


_THRESHOLD = 0.85  # babel's default
_RELATIVE: dict[tuple[bool, str, int], str] = {}


@lru_cache(maxsize=4096)
def _day(day: Any, this_year: bool) -> str:
    return format_date(day, "d MMM" if this_year else "d MMM y", locale=LOCALE)


@lru_cache(maxsize=4096)
def _exact(moment: datetime) -> tuple[str, str]:
    """The moment as an attribute value and in words (posts are shown again and again)."""
    words = format_datetime(moment, "d MMMM y, HH:mm 'UTC'", tzinfo=UTC, locale=LOCALE)
    return moment.astimezone(UTC).isoformat(timespec="seconds"), words


def timestamp(moment: datetime | None) -> Markup:
    """A ``<time>`` element: relative text, the exact moment as its title."""
    if moment is None:
        return Markup("")
    machine, words = _exact(moment)
    return Markup(f'<time datetime="{machine}" title="{words}">{escape(ago(moment))}</time>')


def number(value: int) -> str:
    if 0 <= value < 1000:  # most counts: nothing to group (a locale with other digits needs babel)
        return str(value)
    return format_decimal(value, locale=LOCALE)


def count(value: int) -> Markup:
    """The count beside an action ("Like 3"); nothing for zero."""
    return Markup(f'<span class="count">{number(value)}</span>') if value else Markup("")


def avatar(person: Any, size: str = "") -> Markup:
    """A person's picture; decorative (their name is always beside it)."""
    size_class = f" {size}" if size else ""
    return Markup(
        f'<img class="avatar{size_class}" src="{escape(person.avatar)}" alt="" loading="lazy"'
        ' decoding="async" width="64" height="64">'
    )


class Icons:
    """``{{ "heart" | icon }}``, ``{{ "earth" | icon(_("Public")) }}``: an icon of the
    sprite, with a label read out when the icon stands alone."""

    def __init__(self, sprite_url: str) -> None:
        self.sprite_url = sprite_url
        self._made: dict[tuple[str, str], Markup] = {}  # a few dozen icons and labels

    def __call__(self, name: str, label: str = "") -> Markup:
        made = self._made.get((name, label))
        if made is None:
            made = self._make(name, label)
            if len(self._made) < 1024:  # names and labels come from templates: bounded
                self._made[(name, label)] = made
        return made

    def _make(self, name: str, label: str) -> Markup:
        svg = Markup(
            '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>'
        ).format(self.sprite_url, name)
        if label:
            svg += Markup('<span class="visually-hidden">{}</span>').format(label)
        return svg


class LiteralGettext(Extension):
    """Translates ``_("a literal")`` when a template compiles, not at each call.

    A call costs ~10 µs and a page of posts makes hundreds; a string constant is
    escaped once and costs nothing. Calls with variables (``_("%(n)s", n=1)``),
    ``{% trans %}`` blocks and plurals still go through gettext at run time. The
    literal keeps what the run-time call gave: ``%%`` is ``%``.
    """

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        translations = getattr(self.environment, "literal_translations", NullTranslations())
        pending: list[Token] = []
        shapes = (("name", "_"), ("lparen", None), ("string", None), ("rparen", None))
        for token in stream:
            pending.append(token)
            step = len(pending) - 1
            kind, value = shapes[step]
            if token.type != kind or (value is not None and token.value != value):
                yield from pending[:-1]
                pending = [token] if token.type == "name" and token.value == "_" else []
                if not pending:
                    yield token
                continue
            if step == len(shapes) - 1:
                text = _literal(translations.gettext(pending[2].value))
                if text is None:
                    yield from pending
                else:
                    yield Token(pending[0].lineno, "string", text)
                pending = []
        yield from pending


def _literal(translated: str) -> str | None:
    try:
        return translated % {}  # what the run-time call does to it
    except (KeyError, TypeError, ValueError):
        return None


def make_templates(assets: Any = None, *, auto_reload: bool = False) -> jinja2.Environment:
    """The environment. ``auto_reload`` (development) checks each template file for
    changes at every use; otherwise templates compile once per process."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n", LiteralGettext],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=auto_reload,
        cache_size=-1,  # every template stays compiled
    )
    translations = Translations.load(str(LOCALE_DIR), [LOCALE])
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.extend(literal_translations=translations)
    env.globals["version"] = __version__
    env.globals["csrf_field"] = _CsrfField()
    env.globals["signed_in"] = signed_in
    env.globals[ASSETS_KEY] = assets
    asset = (lambda name: assets.url(name)) if assets else (lambda name: "")
    env.globals["asset"] = asset
    env.filters["ago"] = ago
    env.filters["timestamp"] = timestamp
    env.filters["number"] = number
    env.filters["count"] = count
    env.filters["avatar"] = avatar
    env.filters["icon"] = Icons(asset("icons.svg"))
    return env


def render_html(app: web.Application | ChainMapProxy, template: str, **context: Any) -> str:
    """A page rendered with what every template may use (instance, domain, and the
    CSRF field for forms when the frame has a token).

    ``app`` may be ``request.config_dict``, so sub-apps see the root app's keys.
    """
    config = app[CONFIG]
    csrf = context.get("csrf", "")
    field = Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf)
    page = _PAGE.set((field, context.get("viewer") is not None))
    try:
        return (
            app[TEMPLATES]
            .get_template(template)
            .render(instance=config.instance, domain=config.domain, **context)
        )
    finally:
        _PAGE.reset(page)
