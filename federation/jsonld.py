"""JSON-LD for documents from outside: bundled contexts, an offline loader, compact_inbound().

Peers write one statement many ways (``as:Public``, ``Public`` or the full
IRI; ``as:Hashtag`` or ``Hashtag``; ``toot:discoverable``), so the rest of the
code reads a document only after :func:`compact_inbound` has rewritten it
against one canonical context (AS2 + security + Mastodon's terms + Warmline's).

Contexts are bundled files (contexts/README.md). Nothing here fetches a URL:
an unknown context resolves to an empty one, so what it would define is simply
not understood. pyld gets our loader and our resolver cache on every call; no
pyld process global is set.

Most traffic (Mastodon, and the many servers that copy its context) uses terms
that mean exactly what the canonical context says; for those a plain-Python
walk reproduces pyld's output at a fraction of the cost (the fast path).
Anything it cannot vouch for goes through pyld.

The pieces: jsonld_contexts (bundled contexts, the loader, the output
context), jsonld_cleanup (preparing and tidying documents), jsonld_pyld (the
pyld path and the canonical context), jsonld_fast (the fast path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from federation.jsonld_cleanup import MAX_DEPTH
from federation.jsonld_contexts import (
    AS2_CONTEXT,
    DATA_INTEGRITY_V1_CONTEXT,
    MULTIKEY_V1_CONTEXT,
    SECURITY_V1_CONTEXT,
    WARMLINE_CONTEXT,
    WARMLINE_NS,
    WARMLINE_OUTPUT_CONTEXT,
    bundled_context_file,
    document_loader,
)
from federation.jsonld_fast import try_fast_path
from federation.jsonld_pyld import canonical_context, compact_with_pyld

__all__ = [
    "AS2_CONTEXT",
    "DATA_INTEGRITY_V1_CONTEXT",
    "MAX_DEPTH",
    "MULTIKEY_V1_CONTEXT",
    "SECURITY_V1_CONTEXT",
    "WARMLINE_CONTEXT",
    "WARMLINE_NS",
    "WARMLINE_OUTPUT_CONTEXT",
    "bundled_context_file",
    "canonical_context",
    "compact_inbound",
    "compact_with_pyld",
    "document_loader",
    "try_fast_path",
]


def compact_inbound(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Rewrite an incoming document into the compact form our code reads.

    Raises JsonLdError when the document cannot be processed. Fetches nothing.
    """
    fast = try_fast_path(doc)
    return fast if fast is not None else compact_with_pyld(doc)
