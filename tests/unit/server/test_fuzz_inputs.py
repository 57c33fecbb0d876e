"""Property-based tests of the server's parsers of outside input: HTML from
peers, domain names from admins and peers, and API parameters (JSON bodies and
forms). On any input each returns a well-formed result or raises
ValidationError, never another exception."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from fuzzing import (  # noqa: F401 (the fixture leaves no JSON-LD state)
    FUZZ,
    _leave_no_jsonld_state,
    json_objects,
    json_scalars,
    json_values,
    outcome,
)
from hypothesis import given
from hypothesis import strategies as st
from multidict import MultiDict, MultiDictProxy

from server.api import params
from server.services.domains import host_of, normalise
from server.services.errors import ValidationError
from server.services.html import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    URL_SCHEMES,
    sanitize_html,
    strip_html,
    text_to_html,
)

# --- HTML ------------------------------------------------------------------------------

_TAGS = ["script", "SCRIPT", "style", "img", "a", "p", "span", "svg", "math", "iframe", "b",
         "br", "template", "noscript", "textarea", "title", "xmp", "plaintext",
         "object"]  # fmt: skip
_ATTRS = ["href", "HREF", "onclick", "onerror", "OnLoad", "class", "style", "src", "title",
          "xlink:href", "formaction", "on", "rel"]  # fmt: skip
_URLS = ["javascript:alert(1)", "JaVaScRiPt:x", " javascript:x", "java\tscript:x",
         "java&#x09;script:x", "&#106;avascript:x", "javascript&colon;x", "data:text/html,x",
         "vbscript:x", "https://ok.example/", "mailto:a@b", "//evil.example", "/relative",
         "\x01javascript:x", "jav&#x0A;ascript:x"]  # fmt: skip
_ENTITIES = ["&lt;", "&gt;", "&amp;", "&#60;", "&#x3c;script", "&", "&#0;", "&#xD800;",
             "&nbsp;", "&lt;script&gt;"]  # fmt: skip
_QUOTES = ['"{}"', "'{}'", "{}", '"{}', "`{}`"]


@st.composite
def html_fragment(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        kind = draw(st.sampled_from(["open", "close", "text", "entity", "comment", "raw"]))
        tag = draw(st.sampled_from(_TAGS))
        if kind == "open":
            attrs = []
            for _ in range(draw(st.integers(min_value=0, max_value=3))):
                name = draw(st.sampled_from(_ATTRS))
                value = draw(st.sampled_from(_URLS) | st.text(max_size=10))
                quote = draw(st.sampled_from(_QUOTES))
                attrs.append(f"{name}={quote.format(value)}")
            sep = draw(st.sampled_from([" ", "/", "\n", " / "]))
            end = draw(st.sampled_from([">", "/>", "", " >"]))
            parts.append(f"<{tag}{sep if attrs else ''}{sep.join(attrs)}{end}")
        elif kind == "close":
            parts.append(f"</{tag}>")
        elif kind == "entity":
            parts.append(draw(st.sampled_from(_ENTITIES)))
        elif kind == "comment":
            parts.append(draw(st.sampled_from(["<!--", "-->", "<!-- x -->", "<![CDATA[", "]]>",
                                               "<!DOCTYPE html>", "<?xml?>", "--!>"])))  # fmt: skip
        elif kind == "raw":
            parts.append(draw(st.text(alphabet="<>/=\"'&;!-: ", max_size=8)))
        else:
            parts.append(draw(st.text(max_size=12)))
    return "".join(parts)


_HTML = html_fragment() | st.text(max_size=60)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


_GENERIC_ATTRIBUTES = {"lang", "title"}  # what nh3 allows on every tag by default
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _scheme(href: str) -> str | None:
    """The scheme a browser would see (after dropping whitespace and control characters)."""
    cleaned = _CONTROL.sub("", href)
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else None


@FUZZ
@given(value=_HTML)
def test_sanitize_html_leaves_nothing_active(value: str) -> None:
    out = sanitize_html(value)
    assert "<script" not in out.lower()
    parser = _Collect()
    parser.feed(out)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS, (tag, out)
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | _GENERIC_ATTRIBUTES
        for name, attr_value in attrs:
            assert not name.startswith("on"), (name, out)
            assert name in allowed or (tag, name) == ("a", "rel"), (name, out)
            if name == "href" and attr_value is not None:
                scheme = _scheme(attr_value)
                assert scheme is None or scheme in URL_SCHEMES, (attr_value, out)
                assert "javascript:" not in _CONTROL.sub("", attr_value).lower()


@FUZZ
@given(value=_HTML)
def test_sanitize_html_is_idempotent(value: str) -> None:
    once = sanitize_html(value)
    assert sanitize_html(once) == once


@FUZZ
@given(value=_HTML)
def test_strip_html(value: str) -> None:
    out = strip_html(value)
    assert isinstance(out, str) and out == out.strip()


@FUZZ
@given(value=st.text(alphabet=st.characters(blacklist_characters="<&\r\x00"), max_size=60))
def test_strip_html_keeps_plain_text(value: str) -> None:
    assert strip_html(value) == value.strip()


@FUZZ
@given(value=st.text(max_size=80))
def test_text_to_html_is_already_safe(value: str) -> None:
    """A member's text rendered as HTML survives the sanitiser as it is, paragraph
    by paragraph (nothing in it is markup)."""
    out = text_to_html(value)
    assert "<script" not in out.lower()
    assert strip_html(sanitize_html(out)) == strip_html(out)


# --- domain names ----------------------------------------------------------------------

_DOMAIN_TEXT = st.sampled_from(
    [
        "Example.ORG.", "bücher.example", "xn--bcher-kva.example", "*.example.org",
        "https://user@example.org:8443/path", "127.0.0.1:8081", "[::1]:443", "[::1]",
        "[::ffff:1.2.3.4]", "1.2.3", "0x7f.1", "example.org:0", "example.org:65536",
        "ex ample.org", "xn--.example", "ß.example", "٣.example", "example.org:٣",
        "a" * 70 + ".example", "[fe80::1%eth0]", "http://[::1", "ﬀ.example",
    ]
)  # fmt: skip
_DOMAIN_TEXT = (
    _DOMAIN_TEXT
    | st.text(alphabet="abcXYZ0189.-:[]*/@%üßﬀ\u200d\u3002", max_size=30)
    | st.text(max_size=30)
)


@FUZZ
@given(text=_DOMAIN_TEXT)
def test_normalise_domain(text: str) -> None:
    name = outcome(ValidationError, lambda: normalise(text))
    assert name is None or (name and name == name.strip() and name == name.lower())


@FUZZ
@given(text=_DOMAIN_TEXT)
def test_normalise_domain_is_a_fixed_point(text: str) -> None:
    name = outcome(ValidationError, lambda: normalise(text))
    if name is not None:
        assert normalise(name) == name
        assert host_of(name) == name


@FUZZ
@given(text=_DOMAIN_TEXT | _DOMAIN_TEXT.map(lambda t: f"https://{t}/x"))
def test_host_of_never_raises(text: str) -> None:
    assert isinstance(host_of(text), str)


# --- API parameters ---------------------------------------------------------------------

_NAMES = ["limit", "max_id", "id", "sensitive", "status", "media_ids", "x"]
_FORM_VALUES = st.sampled_from(
    ["", "1", "0", "true", "On", " 12 ", "-1", "9223372036854775807", "9223372036854775808",
     "²", "٣", "1e3", "0x10", "1" * 5000, "NaN", "\x00", "1_000"]
) | st.text(max_size=12)  # fmt: skip
_FORM = st.lists(
    st.tuples(
        st.sampled_from(_NAMES + [f"{n}[]" for n in _NAMES]) | st.text(max_size=6), _FORM_VALUES
    ),
    max_size=8,
).map(lambda pairs: MultiDictProxy(MultiDict(pairs)))
_JSON_FORM = st.dictionaries(
    st.sampled_from(_NAMES) | st.text(max_size=6), json_values | json_scalars, max_size=6
).map(params._flatten)


@FUZZ
@given(values=_FORM | _JSON_FORM, name=st.sampled_from(_NAMES))
def test_parameter_readers(values: Any, name: str) -> None:
    readers = {
        "text": lambda: params.text(values, name),
        "optional_text": lambda: params.optional_text(values, name),
        "identifier": lambda: params.identifier(values, name),
        "boolean": lambda: params.boolean(values, name),
        "integer": lambda: params.integer(values, name),
        "strings": lambda: params.strings(values, name),
        "id_list": lambda: params.id_list(values, name),
        "page": lambda: params.page(values),
        "refuse_nul": lambda: params.refuse_nul(dict(values), name),
    }
    for reader, call in readers.items():
        found = outcome(ValidationError, call)
        if found is None:
            continue
        if reader in ("text", "optional_text"):
            assert isinstance(found, str)
        elif reader == "identifier":
            assert isinstance(found, int) and found >= 0
        elif reader == "boolean":
            assert isinstance(found, bool)
        elif reader == "integer":
            assert type(found) is int
        elif reader == "strings":
            assert all(isinstance(item, str) for item in found)
        elif reader == "id_list":
            assert all(type(item) is int for item in found)
        elif reader == "page":
            assert 1 <= found.limit <= 40


class _JsonRequest:
    """What params.body() reads of a request with a JSON body."""

    def __init__(self, raw: bytes) -> None:
        self.query: MultiDict[str] = MultiDict(q="1")
        self.can_read_body = True
        self.content_type = "application/json"
        self._raw = raw

    async def read(self) -> bytes:
        return self._raw


def _deep_json(depth: int) -> bytes:
    """JSON nested ``depth`` deep (json.dumps itself would recurse too deep)."""
    if depth % 3 == 0:
        return b"[" * depth  # unterminated
    opener, closer = (b"[", b"]") if depth % 3 == 1 else (b'{"a":', b"}")
    return opener * depth + b'"x"' + closer * depth


_BODIES = (
    json_values.map(lambda v: json.dumps(v).encode())
    | json_objects.map(lambda v: json.dumps(v).encode())
    | st.integers(min_value=1, max_value=100_000).map(_deep_json)
    | st.binary(max_size=30)
    | st.sampled_from([b"", b"{}", b'{"a":"\\u0000"}', b'{"a":"\\ud800"}', b"\xff\xfe{}"])
)


@FUZZ
@given(raw=_BODIES)
async def test_json_body(raw: bytes) -> None:
    try:
        found = await params.body(_JsonRequest(raw))  # type: ignore[arg-type]
    except ValidationError:
        return
    assert found.get("q") == "1"
