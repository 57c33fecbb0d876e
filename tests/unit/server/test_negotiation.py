"""Accept-header negotiation between HTML and AS2."""

from __future__ import annotations

import pytest

from server.negotiation import choose, parse_accept, wants_json


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/activity+json", "as2"),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', "ld"),
        ("application/ld+json", "ld"),
        ('application/ld+json; profile="https://example.org/other"', "html"),
        ("application/json", "as2"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
        ("application/activity+json;q=0.5, text/html", "html"),
        ("text/html;q=0.1, application/activity+json", "as2"),
        ("*/*", "html"),
        ("", "html"),
        (None, "html"),
        ("garbage;;;, =q", "html"),
        ("application/activity+json;q=abc", "html"),
    ],
)
def test_choose(accept: str | None, expected: str) -> None:
    assert choose(accept) == expected


def test_parse_accept_orders_by_quality_then_position() -> None:
    types = [m.type for m in parse_accept("a/b;q=0.5, c/d, e/f;q=0.9, g/h;q=0")]
    assert types == ["c/d", "e/f", "a/b"]


def test_wants_json() -> None:
    assert wants_json("application/json")
    assert wants_json("*/*")
    assert wants_json(None)
    assert not wants_json("text/html,*/*;q=0.8")
