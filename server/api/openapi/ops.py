"""Operations metadata: the shape of an entry and the helpers the tables use.

What the router cannot tell about an API operation (summary, tag, scope,
parameters, the entity answered) is kept in ``mastodon.py`` and
``warmline.py``, keyed by ``(METHOD, OpenAPI path)``. A route with no entry
still appears in the description; an entry for a route that no longer exists
fails ``tests/app/test_openapi.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.api.openapi.schemas import ref

STR = {"type": "string"}
BOOL = {"type": "boolean"}
ID = {"type": "string", "pattern": "^[0-9]+$"}
Table = dict[tuple[str, str], "Op"]


def intrange(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


def text(maximum: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": maximum}


def enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def ids(maximum: int | None = None) -> dict[str, Any]:
    return {"type": "array", "items": ID, **({"maxItems": maximum} if maximum else {})}


def paging(default: int = 20, maximum: int = 40) -> dict[str, Any]:
    return {
        "limit": {**intrange(1, maximum), "default": default},
        "max_id": ID,
        "since_id": ID,
        "min_id": ID,
    }


@dataclass(frozen=True)
class Op:
    tag: str
    summary: str
    scope: str | None = None  # None: no token needed
    optional: bool = False  # the token is optional (an anonymous viewer is fine)
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None  # properties of a JSON or form body
    required: tuple[str, ...] = ()  # required body or query parameters
    returns: str | dict[str, Any] | None = None  # a component ("Name", "Name[]": an array)

    @property
    def paged(self) -> bool:
        """Answers carry a ``Link`` header (the lists paged on ids)."""
        return "max_id" in self.query


def op(tag: str, summary: str, scope: str | None = None, **kw: Any) -> Op:
    return Op(tag, summary, scope, **kw)


def public(tag: str, summary: str, scope: str, **kw: Any) -> Op:
    return Op(tag, summary, scope, optional=True, **kw)


def actions(
    path: str, tag: str, scope: str, returns: str, **summaries: str
) -> dict[tuple[str, str], Op]:
    """``POST path/action`` for each action (the routes with an ``{action:a|b}`` part)."""
    return {
        ("POST", f"{path}/{action}"): Op(tag, summary, scope, returns=returns)
        for action, summary in summaries.items()
    }


def response_schema(op: Op) -> dict[str, Any]:
    if op.returns is None:
        return {"type": "object"}
    if not isinstance(op.returns, str):
        return op.returns
    name = op.returns.removesuffix("[]")
    return {"type": "array", "items": ref(name)} if name != op.returns else ref(name)
