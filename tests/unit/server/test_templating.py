"""The template environment's shortcuts give what the slow way gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import jinja2
import pytest
from babel.support import Translations
from markupsafe import Markup

from server.web.templating import LiteralGettext, ago, make_templates, timestamp


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
