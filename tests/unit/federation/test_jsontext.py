"""jsontext.loads: JSON as json.loads reads it, minus NULs and lone surrogates."""

from __future__ import annotations

import json

import pytest

from federation import jsontext


def test_nul_leaves_every_string_keys_included() -> None:
    doc = {"a\u0000": ["x\u0000y", {"n": "\u0000"}, 1, None, True, 2.5], "b": "plain"}
    text = json.dumps(doc)
    assert "\\u0000" in text and "\x00" not in text  # JSON carries it escaped
    assert jsontext.loads(text) == {"a": ["xy", {"n": ""}, 1, None, True, 2.5], "b": "plain"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_bytes_in_any_json_encoding(encoding: str) -> None:
    body = json.dumps({"content": "caf\u00e9\u0000!"}, ensure_ascii=False).encode(encoding)
    assert jsontext.loads(body) == {"content": "caf\u00e9!"}


def test_lone_surrogates_become_replacement_characters() -> None:
    text = '{"a": "cut \\ud83d", "b": "\\udc00x", "pair": "\\ud83d\\ude00", "\\uD800": 1}'
    assert jsontext.loads(text) == {
        "a": "cut \ufffd",
        "b": "\ufffdx",
        "pair": "\U0001f600",
        "\ufffd": 1,
    }


def test_an_escaped_backslash_is_not_a_nul() -> None:
    text = json.dumps({"content": "\\u0000"})  # a backslash, then "u0000"
    assert jsontext.loads(text) == {"content": "\\u0000"}


def test_documents_without_nul_are_as_json_reads_them() -> None:
    text = '{"type": "Note", "content": "<p>hi</p>", "to": ["a", "b"], "n": 1.5e3}'
    assert jsontext.loads(text) == json.loads(text)


@pytest.mark.parametrize(
    "text", ["{not json", '{"a": "raw \x00 nul"}', b"\xff\xfe\x00", b'{"a": "\xed\xa0\x80"}']
)
def test_what_json_refuses_is_refused(text: str | bytes) -> None:
    with pytest.raises(ValueError):
        jsontext.loads(text)
