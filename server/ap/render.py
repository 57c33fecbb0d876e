"""The AS2 response shape."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from server.negotiation import AS2_CONTENT_TYPE, LD_CONTENT_TYPE


def as2_response(doc: dict[str, Any], *, flavour: str = "as2", status: int = 200) -> web.Response:
    """Serve a document with the AS2 content type the client asked for."""
    content_type = LD_CONTENT_TYPE if flavour == "ld" else AS2_CONTENT_TYPE
    return web.Response(
        body=json.dumps(doc, ensure_ascii=False).encode(),
        status=status,
        headers={"Content-Type": content_type, "Vary": "Accept"},
    )
