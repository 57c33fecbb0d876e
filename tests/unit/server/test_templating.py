"""The template environment's shortcuts give what the slow way gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jinja2
import pytest
from babel.dates import format_timedelta
from babel.support import Translations
from markupsafe import Markup

from server.appkeys import CONFIG, TEMPLATES
from server.web.templating import (
    LOCALE,
    LiteralGettext,
    ago,
    make_templates,
    render_html,
    timestamp,
)


class Catalog(Translations):
    """A catalog in memory: a language other than English, without a .mo file."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self._catalog = dict(messages)


def environment(messages: dict[str, str]) -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n", LiteralGettext])
    catalog = Catalog(messages)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    env.extend(literal_translations=catalog)
    return env


@pytest.mark.parametrize(
    "source",
    [
        '{{ _("Reply") }}',
        "<b title=\"{{ _('Reply') }}\">x</b>",
        '{{ _("Fish & chips") }} {{ _("100%% sure") }}',
        '{{ _("Hello %(name)s", name="<Ann>") }}',
        "{% trans n=2 %}{{ n }} posts{% endtrans %}",
        '{{ ("x" if _("Reply") else "y") }} {{ _("Missing") }}',
        '{% set _x = 1 %}{{ _x }} {{ [_("Reply"), _("Like")] | join(", ") }}',
    ],
)
def test_literals_translated_when_compiling_render_as_at_run_time(source: str) -> None:
    messages = {"Reply": "Antworten", "Fish & chips": "Fisch & Pommes", "Like": "Mag ich"}
    compiled = environment(messages)
    plain = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    plain.install_gettext_translations(Catalog(messages), newstyle=True)  # type: ignore[attr-defined]
    expected = plain.from_string(source).render()
    # The one difference: a literal is escaped like any constant ("&amp;"), where the
    # run-time call handed its text over unescaped.
    assert compiled.from_string(source).render() == expected.replace(
        "Fisch & Pommes", "Fisch &amp; Pommes"
    )


def test_a_literal_is_a_constant_of_the_compiled_template() -> None:
    env = environment({"Reply": "Antworten"})
    code = env.compile('{{ _("Reply") }}', raw=True)
    assert "Antworten" in code and "gettext" not in code


def test_filters_of_the_page_environment() -> None:
    env = make_templates()
    person = SimpleNamespace(avatar='/a.png?x="1"')
    html = env.from_string(
        '{{ "heart" | icon }}|{{ "earth" | icon(_("Public")) }}|{{ p | avatar("s") }}'
        "|{{ 0 | count }}|{{ 12345 | count }}"
    ).render(p=person)
    icon, labelled, picture, zero, many = html.split("|")
    assert icon == (
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="#heart"></use></svg>'
    )
    assert labelled.endswith('<span class="visually-hidden">Public</span>')
    assert 'src="/a.png?x=&#34;1&#34;"' in picture and 'class="avatar s"' in picture
    assert zero == "" and many == '<span class="count">12,345</span>'


def test_times_in_words() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(minutes=5), now) == "5 minutes ago"
    assert ago(now - timedelta(days=30), now) == "7 Nov"
    assert ago(now - timedelta(days=400), now) == "2 Nov 2025"
    moment = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    html = timestamp(moment)
    assert isinstance(html, Markup)
    assert html.startswith(
        '<time datetime="2025-03-04T05:06:07+00:00" title="4 March 2025, 05:06 UTC">'
    )
    assert timestamp(None) == ""


def test_relative_times_say_what_babel_says() -> None:
    """``ago`` remembers babel's words by unit and count; over a week, second by
    second near each unit's edge and every few minutes between, they agree."""
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    week = 7 * 86_400
    edges = {round(per * f) + d for per in (60, 3600, 86_400, 604_800) for f in (0.85, 1.5, 2.5)
             for d in range(-90, 91)}  # fmt: skip
    for seconds in sorted(edges | set(range(60, week, 97))):
        if not 60 <= seconds < week:
            continue
        moment = now - timedelta(seconds=seconds)
        expected = format_timedelta(-seconds, add_direction=True, locale=LOCALE)
        assert ago(moment, now) == expected, seconds


def test_macro_files_are_built_once_and_read_the_page_they_render_in() -> None:
    """Imported without context, a macro file is built once per environment; the
    CSRF field and ``signed_in()`` still come from the page being rendered."""
    env = make_templates()
    app = {CONFIG: SimpleNamespace(instance=SimpleNamespace(name="W"), domain="w.example"),
           TEMPLATES: env}  # fmt: skip
    env.loader = jinja2.ChoiceLoader([
        jinja2.DictLoader({"page.html": '{% import "macros/ui.html" as ui %}'
                           '{{ ui.post_button("/x", "Go") }}|{{ signed_in() }}'}),
        env.loader,
    ])  # fmt: skip
    first = render_html(app, "page.html", csrf="tok-1", viewer=object())
    module = env.get_template("macros/ui.html")._module
    second = render_html(app, "page.html", csrf="tok-2", viewer=None)
    assert module is not None and env.get_template("macros/ui.html")._module is module
    assert 'name="csrf_token" value="tok-1"' in first and first.endswith("|True")
    assert 'name="csrf_token" value="tok-2"' in second and second.endswith("|False")
    # Outside a render there is no page: no field, no one signed in.
    assert env.from_string("[{{ csrf_field }}]{{ signed_in() }}").render() == "[]False"
