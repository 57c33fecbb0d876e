"""HTML that comes from outside is sanitised (nh3) before it is stored."""

from __future__ import annotations

import functools
import html
from typing import Any

ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "del", "em", "i", "li", "ol", "p", "pre",
    "s", "span", "strong", "sub", "sup", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "class", "title"}, "span": {"class"}}
URL_SCHEMES = {"http", "https", "mailto"}


@functools.cache
def _cleaners() -> tuple[Any, Any]:
    """The sanitisers for posts and for plain text, built once: ``nh3.clean()``
    builds one from the settings on every call (about half of its cost on a
    post the size of a toot)."""
    import nh3  # on first use: its library is ~1.5 MiB resident, more than an idle server needs

    post = nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
    )
    return post, nh3.Cleaner(tags=set())


def sanitize_html(value: str) -> str:
    """Keep simple formatting and links; drop scripts, styles, images, handlers."""
    return _cleaners()[0].clean(value)


def strip_html(value: str) -> str:
    """Plain text of an HTML fragment (for names and other text-only fields)."""
    if not value:
        return ""
    return html.unescape(_cleaners()[1].clean(value)).strip()


def text_to_html(text: str) -> str:
    """A member's plain text as HTML paragraphs, escaped."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
