"""Rebuild server/web/static/icons.svg, a sprite of Lucide icons (ISC licence).

Usage: python -m server.web.icons DIR, where DIR is the ``icons`` folder of the
npm package ``lucide-static`` (``npm pack lucide-static`` and unpack it).
Templates use an icon as ``{{ icon("bell") }}`` (server/web/templates/macros/ui.html).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ICONS = [
    "arrow-left", "arrow-right-left", "award", "bell", "briefcase", "building-2", "check",
    "circle-alert", "clock", "earth", "ellipsis", "eye-off", "globe", "graduation-cap",
    "handshake", "heart", "house", "image", "info", "link", "lock", "lock-open", "log-in",
    "log-out", "mail", "map-pin", "menu", "message-circle", "pencil", "plus", "quote",
    "repeat-2", "search", "send", "settings", "shield", "sparkles", "star", "thumbs-up",
    "trash-2", "upload", "user", "user-check", "user-minus", "user-plus", "users", "x",
    # settings and administration
    "app-window", "copy", "key-round", "monitor", "smartphone", "tablet", "user-x",
    # reports and moderation
    "flag",
    # events
    "calendar", "calendar-check", "calendar-plus", "calendar-x", "circle-help", "hourglass",
    "video",
    # groups
    "ban", "messages-square", "shield-check",
    # taking it with you
    "archive", "download",
]  # fmt: skip
OUT = Path(__file__).resolve().parent / "static" / "icons.svg"


def symbol(name: str, source: str) -> str:
    inner = re.search(r"<svg[^>]*>(.*)</svg>", source, re.S)
    if inner is None:
        raise SystemExit(f"{name}: no <svg> element")
    body = " ".join(line.strip() for line in inner.group(1).strip().splitlines())
    return f'<symbol id="{name}" viewBox="0 0 24 24">{body}</symbol>'


def main(folder: str) -> None:
    icons = Path(folder)
    symbols = [symbol(name, (icons / f"{name}.svg").read_text()) for name in ICONS]
    OUT.write_text(
        "<!-- Lucide icons (https://lucide.dev), ISC licence; made by server/web/icons.py -->\n"
        '<svg xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">\n'
        + "\n".join(symbols)
        + "\n</svg>\n"
    )
    print(f"wrote {OUT} ({len(symbols)} icons)")


if __name__ == "__main__":
    main(sys.argv[1])
