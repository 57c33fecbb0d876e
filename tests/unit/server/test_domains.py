"""Domain names in one spelling, and which block-list entries cover a host."""

from __future__ import annotations

import pytest

from server.services.domains import covering, host_of, normalise
from server.services.errors import ValidationError


@pytest.mark.parametrize(
    ("given", "spelt"),
    [
        ("example.org", "example.org"),
        ("Example.ORG.", "example.org"),
        ("  example.org  ", "example.org"),
        ("*.example.org", "example.org"),
        ("https://Example.org/@someone", "example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
        ("ＥＸＡＭＰＬＥ．ｏｒｇ", "example.org"),  # fullwidth letters and dot (UTS 46)
        ("example.org:8443", "example.org:8443"),
        ("example.org:08443", "example.org:8443"),
        ("127.0.0.1:8081", "127.0.0.1:8081"),
        ("[::1]:8080", "[::1]:8080"),
        ("[0:0::1]", "[::1]"),
    ],
)
def test_one_spelling(given: str, spelt: str) -> None:
    assert normalise(given) == spelt


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "a b.org", "user@example.org", "example.org/path", "a..b", "-bad-.org",
     "example.org:0", "example.org:65536", "example.org:http", "1.2.3", "2130706433",
     "[not-v6]", "x" * 64 + ".org"],
)  # fmt: skip
def test_what_is_not_a_domain_is_a_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalise(bad)
    assert info.value.field == "domain"


def test_a_name_covers_its_subdomains_and_every_port() -> None:
    assert covering("a.b.example.org:8443") == (
        "a.b.example.org:8443",
        "a.b.example.org",
        "b.example.org",
        "example.org",
        "org",
    )
    assert covering("example.org") == ("example.org", "org")


def test_an_address_has_no_parents() -> None:
    assert covering("127.0.0.1:8081") == ("127.0.0.1:8081", "127.0.0.1")
    assert covering("[::1]:80") == ("[::1]:80", "[::1]")


def test_host_of_a_url_or_netloc() -> None:
    assert host_of("https://Social.Example.ORG./users/a") == "social.example.org"
    assert host_of("127.0.0.1:8081") == "127.0.0.1:8081"
    assert host_of("not a host") == ""
