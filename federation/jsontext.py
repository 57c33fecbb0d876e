"""JSON from peers, parsed into text a database can store.

JSON lets any string carry U+0000 and lone UTF-16 surrogates, written as
escapes (``\\u0000``, ``\\ud800``; strict parsing refuses them raw). No
ActivityPub text needs them; PostgreSQL text cannot hold U+0000 and neither
database driver can encode a lone surrogate (JavaScript servers that cut a
string in the middle of a pair send them). So they go at the one step every
document from outside passes through: inbox deliveries (at the door and again
in the inbox worker) and fetched documents (objects, actors, keys, WebFinger)
are all parsed by :func:`loads`, and nothing downstream has to think of it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

# The escapes that can put unstorable text in a string: NUL, and surrogates
# (a valid pair becomes one character; a lone half stays).
_SUSPECT: Final = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def loads(text: str | bytes) -> Any:
    """``json.loads``, with NUL characters removed from every string (keys too)
    and lone surrogates replaced by U+FFFD.

    Bytes must be UTF-8, -16 or -32 (detected as ``json.loads`` does), strictly.
    Raises what ``json.loads`` raises, and RecursionError for nesting too deep to
    walk. Documents without a suspect escape (nearly all) are not walked."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text))
    doc = json.loads(text)
    return _cleaned(doc) if _SUSPECT.search(text) else doc


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {_cleaned(key): _cleaned(item) for key, item in value.items()}
    return value
