"""Shared pieces of the property-based (hypothesis) tests of parsers of outside input.

Every property has the same shape: on any input a parser either returns a
well-formed result or raises its documented error, never another exception.
The ``warmline-fuzz`` profile keeps runs deterministic (``derandomize``: CI
sees the same examples every time), unhurried (no deadline: the first call of
a parser may compile a schema) and free of a local example database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FIXTURES = Path(__file__).parent / "fixtures"

settings.register_profile(
    "warmline-fuzz",
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings(settings.get_profile("warmline-fuzz"))
FUZZ_LIGHT = settings(FUZZ, max_examples=100)  # for the slower parsers (pyld, schemas)

# JSON as json.loads gives it: no NaN/infinity, any text.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
json_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=8)


def outcome(
    expected: type[BaseException] | tuple[type[BaseException], ...], call: Callable[[], Any]
) -> Any:
    """``call()``'s result, or None when it raised one of ``expected`` (anything
    else propagates, and hypothesis reports it as the counterexample)."""
    try:
        return call()
    except expected:
        return None


def nested(depth: int, leaf: Any = "x", *, as_list: bool = False) -> Any:
    """A value nested ``depth`` levels deep, built without recursion."""
    value = leaf
    for _ in range(depth):
        value = [value] if as_list else {"a": value}
    return value


def fixture_documents(*software: str) -> list[dict[str, Any]]:
    """Every JSON object among the fixtures of the named software directories."""
    docs: list[dict[str, Any]] = []
    for name in software:
        for path in sorted((FIXTURES / name).glob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, UnicodeError):
                continue
            if isinstance(doc, dict):
                docs.append(doc)
    return docs


@st.composite
def mutated(draw: st.DrawFn, docs: list[dict[str, Any]]) -> dict[str, Any]:
    """A real document with a few random edits: a value replaced, a key dropped or
    added, a value wrapped in a list, at any depth."""
    doc = json.loads(json.dumps(draw(st.sampled_from(docs))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        containers = list(_containers(doc))
        target = draw(st.sampled_from(containers))
        edit = draw(st.sampled_from(["replace", "drop", "add", "wrap", "scalarise"]))
        keys = list(range(len(target))) if isinstance(target, list) else list(target)
        if edit == "add" or not keys:
            if isinstance(target, list):
                target.append(draw(json_values))
            else:
                target[draw(st.sampled_from(_INTERESTING_KEYS) | st.text(max_size=8))] = draw(
                    json_values
                )
            continue
        key = draw(st.sampled_from(keys))
        if edit == "replace":
            target[key] = draw(json_values)
        elif edit == "drop":
            del target[key]
        elif edit == "wrap":
            target[key] = [target[key]]
        else:
            target[key] = draw(json_scalars)
    return doc


_INTERESTING_KEYS = [
    "@context", "@id", "@type", "id", "type", "actor", "object", "target", "to", "cc",
    "attributedTo", "content", "contentMap", "tag", "attachment", "inReplyTo", "url",
    "publicKey", "name", "summary", "href", "@value", "@language", "@list", "@graph",
]  # fmt: skip


def _containers(value: Any) -> Any:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            yield item
            stack.extend(item.values() if isinstance(item, dict) else item)


@pytest.fixture(autouse=True, scope="module")
def _leave_no_jsonld_state() -> Iterator[None]:
    """Thousands of odd contexts go through pyld's resolver cache here; empty it
    afterwards, so tests that run later in the same worker start as they would alone
    (one of them once failed after these ran, in a full run)."""
    yield
    from federation.jsonld_pyld import _resolver_cache

    _resolver_cache().clear()
