"""A member's plain text becomes HTML with links, mentions and hashtags.

Parsing and rendering are separate: the post service parses the handles,
resolves them (local lookup or WebFinger) and then renders with what it found,
so a handle nobody could resolve stays plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

# @user or @user@host[:port]; not inside words, e-mail addresses or URLs.
MENTION = (
    r"(?<![\w/@.])@(?P<user>[A-Za-z0-9_]{1,30})"
    r"(?:@(?P<host>[A-Za-z0-9.-]+(?::\d{1,5})?[A-Za-z0-9]))?"
)
# #tag, not inside words or entities; it needs a letter (#42 is an issue number).
HASHTAG = r"(?<![\w/&#])#(?P<tag>(?=\w{0,99}[^\W\d_])[^\W_][\w]{0,99})"
URL = r"(?P<url>https?://[^\s<>\"']+)"
TOKENS = re.compile(f"{URL}|{MENTION}|{HASHTAG}")
TRAILING = ".,;:!?)]}'\""


@dataclass(frozen=True, slots=True)
class Handle:
    user: str
    host: str | None  # None: a local member (or the host left out)

    def key(self) -> tuple[str, str | None]:
        return (self.user.lower(), self.host.lower() if self.host else None)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A mentioned account as the renderer needs it."""

    url: str
    username: str
    acct: str  # user or user@host, as shown after the @


def _trim_url(url: str) -> tuple[str, str]:
    """Split trailing punctuation (a sentence's full stop) off a URL."""
    trimmed = url.rstrip(TRAILING)
    # Give back closing brackets the link opened: Wikipedia's ".../Python_(language)."
    while trimmed.count("(") > trimmed.count(")") and url[len(trimmed) :].startswith(")"):
        trimmed += ")"
    return trimmed, url[len(trimmed) :]


def parse(text: str) -> tuple[list[Handle], list[str]]:
    """The mentioned handles and the hashtags (lower-cased) in ``text``, in order."""
    handles: dict[tuple[str, str | None], Handle] = {}
    tags: dict[str, None] = {}
    for match in TOKENS.finditer(text):
        if match.group("user"):
            handle = Handle(match.group("user"), match.group("host"))
            handles.setdefault(handle.key(), handle)
        elif match.group("tag"):
            tags[match.group("tag").lower()] = None
    return list(handles.values()), list(tags)


def _mention_html(found: Resolved) -> str:
    return (
        f'<span class="h-card" translate="no"><a href="{html.escape(found.url)}" '
        f'class="u-url mention">@<span>{html.escape(found.username)}</span></a></span>'
    )


def _line_html(line: str, mentions: Mapping[tuple[str, str | None], Resolved], tag_url: str) -> str:
    out: list[str] = []
    last = 0
    for match in TOKENS.finditer(line):
        out.append(html.escape(line[last : match.start()]))
        last = match.end()
        if match.group("url"):
            url, rest = _trim_url(match.group("url"))
            link = html.escape(url)
            out.append(
                f'<a href="{link}" rel="nofollow noopener noreferrer" target="_blank">{link}</a>'
            )
            out.append(html.escape(rest))
        elif match.group("user"):
            found = mentions.get(Handle(match.group("user"), match.group("host")).key())
            out.append(_mention_html(found) if found else html.escape(match.group(0)))
        else:
            tag = match.group("tag")
            href = html.escape(tag_url.format(tag=tag.lower()))
            label = html.escape(tag)
            out.append(f'<a href="{href}" class="mention hashtag" rel="tag">')
            out.append(f"#<span>{label}</span></a>")
    out.append(html.escape(line[last:]))
    return "".join(out)


def render(text: str, mentions: Mapping[tuple[str, str | None], Resolved], tag_url: str) -> str:
    """``text`` as HTML paragraphs; ``tag_url`` has a ``{tag}`` placeholder."""
    paragraphs = [p for p in text.replace("\r\n", "\n").strip().split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(_line_html(line, mentions, tag_url) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
