"""WebFinger: handles, JRD parsing of real-world documents, and resolution over loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.errors import AddressNotAllowed, FetchError, WebFingerError
from federation.netguard import AddressPolicy, make_session
from federation.webfinger import (
    Handle,
    InvalidHandle,
    is_activitypub_type,
    parse_handle,
    parse_jrd,
    resolve_actor,
    webfinger_url,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
JRD_FILES = sorted(
    p for p in FIXTURES.glob("*/webfinger*.json") if "response-with-headers" not in p.name
)
RECORDED = [
    FIXTURES / "lemmy" / "webfinger-response-with-headers.json",
    FIXTURES / "wordpress" / "webfinger-response-with-headers.json",
]
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


def test_there_are_fourteen_fixture_jrds() -> None:
    assert len(JRD_FILES) == 14


@pytest.mark.parametrize("path", JRD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_jrds_parse(path: Path) -> None:
    jrd = parse_jrd(json.loads(path.read_text()))
    actor = jrd.actor_url()
    assert actor is not None
    assert actor.startswith(("https://", "http://localhost:8080/"))
    assert jrd.subject is not None and jrd.subject.startswith("acct:")


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.parent.name)
def test_recorded_exchange_bodies_parse(path: Path) -> None:
    exchange = json.loads(path.read_text())
    jrd = parse_jrd(json.loads(exchange["body"]))
    assert jrd.actor_url() in {
        "https://lemmy.ml/u/pfefferle",
        "https://notiz.blog/author/matthias-pfefferle/",
    }


def test_jrd_details() -> None:
    hubzilla = parse_jrd(json.loads((FIXTURES / "hubzilla" / "webfinger.json").read_text()))
    assert hubzilla.subject == "acct:kaniini"  # no host: tolerated
    assert hubzilla.actor_url() == "https://gerzilla.de/channel/kaniini"
    assert "acct:kaniini@gerzilla.de" in hubzilla.aliases
    assert hubzilla.properties["http://purl.org/zot/federation"] == "zot,activitypub"
    lemmy = parse_jrd(json.loads((FIXTURES / "lemmy" / "webfinger-live.json").read_text()))
    assert lemmy.aliases == ()
    self_link = next(link for link in lemmy.links if link.rel == "self")
    assert self_link.template is None
    assert self_link.properties == {"https://www.w3.org/ns/activitystreams#type": "Group"}


def test_parse_jrd_skips_malformed_members() -> None:
    jrd = parse_jrd(
        {
            "subject": 42,
            "aliases": "https://a.example/u/x",
            "links": [
                "nonsense",
                {"href": "https://a.example/no-rel"},
                {"rel": "self", "type": "text/html", "href": "https://a.example/@x"},
                {"rel": "self", "type": "application/activity+json", "href": None},
                {"rel": "self", "type": "application/activity+json", "href": "https://a.example/x"},
            ],
            "properties": {"k": ["not", "a", "string"]},
        }
    )
    assert jrd.subject is None
    assert jrd.aliases == ("https://a.example/u/x",)
    assert len(jrd.links) == 3
    assert jrd.actor_url() == "https://a.example/x"
    assert jrd.properties == {"k": None}
    assert parse_jrd({"links": {"rel": "self"}}).links == ()


@pytest.mark.parametrize("doc", [[], "x", None, 3])
def test_parse_jrd_rejects_non_objects(doc: object) -> None:
    with pytest.raises(WebFingerError):
        parse_jrd(doc)


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/activity+json", True),
        ("Application/Activity+JSON; charset=utf-8", True),
        ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
        ("application/ld+json;profile=https://www.w3.org/ns/activitystreams", True),
        (
            'application/ld+json; profile="https://example.com/x https://www.w3.org/ns/activitystreams"',
            True,
        ),
        ("application/ld+json", False),
        ('application/ld+json; profile="https://example.com/other"', False),
        ("application/json", False),
        ("text/html", False),
        (None, False),
        ("", False),
    ],
)
def test_is_activitypub_type(media_type: str | None, expected: bool) -> None:
    assert is_activitypub_type(media_type) is expected


@pytest.mark.parametrize(
    ("text", "user", "host"),
    [
        ("@alice@example.com", "alice", "example.com"),
        ("alice@example.com", "alice", "example.com"),
        ("acct:alice@example.com", "alice", "example.com"),
        ("ACCT:alice@Example.COM", "alice", "example.com"),
        ("  alice@example.com\n", "alice", "example.com"),
        ("Alice_1@example.com", "Alice_1", "example.com"),
        ("first.last@social.example.org", "first.last", "social.example.org"),
        ("alice@localhost:8080", "alice", "localhost:8080"),
        ("alice@127.0.0.1:3000", "alice", "127.0.0.1:3000"),
        ("alice@[::1]:8080", "alice", "[::1]:8080"),
        ("alice@bücher.example", "alice", "xn--bcher-kva.example"),
        ("alice@example.com.", "alice", "example.com"),
        ("a%40b@example.com", "a%40b", "example.com"),
    ],
)
def test_parse_handle(text: str, user: str, host: str) -> None:
    handle = parse_handle(text)
    assert handle == Handle(user=user, host=host)
    assert handle.resource == f"acct:{user}@{host}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "alice",
        "@alice",
        "@example.com",
        "alice@",
        "@alice@",
        "a@b@c.example",
        "@@alice@example.com",
        "acct:@alice@example.com",
        "al ice@example.com",
        "alice/x@example.com",
        "alice@example.com/path",
        "alice@exa mple.com",
        "alice@-bad.example",
        "alice@bad-.example",
        "alice@a..example",
        "alice@example.com:0",
        "alice@example.com:65536",
        "alice@example.com:http",
        "alice@example.com:",
        "alice@:8080",
        "alice@1.2.3",
        "alice@[::1",
        "alice@[nope]",
        "alice@[::1]x",
        "https://example.com/@alice",
        "alice@example.com?x=1",
        "alice@exam_ple.com",
    ],
)
def test_parse_handle_rejects(text: str) -> None:
    with pytest.raises(InvalidHandle) as info:
        parse_handle(text)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, WebFingerError)
    assert info.value.retryable is False


def test_webfinger_url() -> None:
    assert (
        webfinger_url("example.com", "acct:alice@example.com")
        == "https://example.com/.well-known/webfinger?resource=acct%3Aalice%40example.com"
    )
    assert webfinger_url("localhost:8080", "acct:a@localhost:8080", scheme="http").startswith(
        "http://localhost:8080/.well-known/webfinger?resource="
    )
    with pytest.raises(ValueError):
        webfinger_url("example.com", "acct:a@example.com", scheme="ftp")


class Peer:
    """A loopback WebFinger server whose answer each test sets."""

    def __init__(self) -> None:
        self.resources: list[str] = []
        self.status = 200
        self.content_type = "application/jrd+json"
        self.body: Any = None

    async def webfinger(self, request: web.Request) -> web.Response:
        self.resources.append(request.query.get("resource", ""))
        body = self.body if isinstance(self.body, str) else json.dumps(self.body)
        return web.Response(
            text=body, status=self.status, headers={"Content-Type": self.content_type}
        )


@pytest.fixture
async def peer(aiohttp_server: ServerFactory) -> tuple[Peer, TestServer]:
    state = Peer()
    app = web.Application()
    app.router.add_get("/.well-known/webfinger", state.webfinger)
    return state, await aiohttp_server(app)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    policy = AddressPolicy(allow_private=True)
    async with make_session(policy, user_agent="t", total_timeout=5) as s:
        yield s


def jrd_for(handle: str, actor: str) -> dict[str, Any]:
    return {
        "subject": f"acct:{handle}",
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor},
            {"rel": "self", "type": "application/activity+json", "href": actor},
        ],
    }


async def test_resolve_actor_over_plain_http_in_dev(
    peer: tuple[Peer, TestServer], session: aiohttp.ClientSession
) -> None:
    state, server = peer
    handle = f"alice@127.0.0.1:{server.port}"
    actor = f"http://127.0.0.1:{server.port}/users/alice"
    state.body = jrd_for(handle, actor)
    # https is tried first; the plain-http server fails the TLS handshake; http follows.
    assert await resolve_actor(session, "@" + handle, allow_http=True) == actor
    assert state.resources == [f"acct:{handle}"]


async def test_https_only_in_production(
    peer: tuple[Peer, TestServer], session: aiohttp.ClientSession
) -> None:
    state, server = peer
    handle = f"alice@127.0.0.1:{server.port}"
    state.body = jrd_for(handle, f"https://127.0.0.1:{server.port}/users/alice")
    with pytest.raises(WebFingerError) as info:
        await resolve_actor(session, handle)
    assert info.value.retryable is True
    assert state.resources == []  # never asked over plain http


@pytest.fixture(params=RECORDED, ids=lambda p: p.parent.name)
def recorded(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A recorded WebFinger exchange (headers and body as a real server sent them)."""
    exchange: dict[str, Any] = json.loads(request.param.read_text())
    return exchange


async def test_resolve_actor_with_recorded_responses(
    recorded: dict[str, Any], peer: tuple[Peer, TestServer], session: aiohttp.ClientSession
) -> None:
    state, server = peer
    state.body = recorded["body"]
    state.content_type = recorded["headers"]["content-type"]
    actor = await resolve_actor(session, f"pfefferle@127.0.0.1:{server.port}", allow_http=True)
    assert actor == parse_jrd(json.loads(recorded["body"])).actor_url()


async def test_http_errors_are_not_retried_over_another_scheme(
    peer: tuple[Peer, TestServer], session: aiohttp.ClientSession
) -> None:
    state, server = peer
    state.status, state.body = 404, {"error": "not found"}
    with pytest.raises(WebFingerError) as info:
        await resolve_actor(session, f"nobody@127.0.0.1:{server.port}", allow_http=True)
    assert (info.value.status, info.value.retryable) == (404, False)
    assert len(state.resources) == 1


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        ({"subject": "acct:a@b", "links": []}, "application/jrd+json", "no ActivityPub self link"),
        (
            {"links": [{"rel": "self", "type": "application/activity+json", "href": "ftp://x/"}]},
            "application/jrd+json",
            "unusable actor link",
        ),
        ({"links": []}, "text/html", "content type"),
        ("[]", "application/json", "not an object"),
        ("<XRD/>", "application/jrd+json", "invalid JSON"),
    ],
)
async def test_unusable_answers(
    body: Any,
    content_type: str,
    message: str,
    peer: tuple[Peer, TestServer],
    session: aiohttp.ClientSession,
) -> None:
    state, server = peer
    state.body, state.content_type = body, content_type
    with pytest.raises(WebFingerError, match=message) as info:
        await resolve_actor(session, f"a@127.0.0.1:{server.port}", allow_http=True)
    assert info.value.retryable is False


async def test_refused_address_is_not_retried_over_http(peer: tuple[Peer, TestServer]) -> None:
    state, server = peer
    strict = AddressPolicy(allow_private=False)
    async with make_session(strict, user_agent="t") as session:
        with pytest.raises(AddressNotAllowed):
            await resolve_actor(session, f"a@127.0.0.1:{server.port}", allow_http=True)
    assert state.resources == []


async def test_malformed_handle_never_touches_the_network() -> None:
    with pytest.raises(InvalidHandle):
        await resolve_actor(None, "not a handle")  # type: ignore[arg-type]
    assert issubclass(InvalidHandle, FetchError)
