"""fetch_document / post_document against real aiohttp servers on loopback."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from federation.client import (
    ACCEPT,
    AS2_CONTENT_TYPE,
    FetchedDocument,
    fetch_document,
    post_document,
    same_origin,
)
from federation.errors import AddressNotAllowed, FetchError
from federation.netguard import AddressPolicy, make_session

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
AS2 = "application/activity+json"
CAP = 10_000
REQUESTS = web.AppKey("requests", list)


def _as2(doc: object, content_type: str = AS2, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(doc).encode(), content_type=content_type, status=status)


async def doc(request: web.Request) -> web.Response:
    return _as2({"id": str(request.url), "type": "Note"})


async def ld(request: web.Request) -> web.Response:
    body = json.dumps({"type": "Note"}).encode()
    ctype = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    return web.Response(body=body, headers={"Content-Type": ctype})


async def plain_json(request: web.Request) -> web.Response:
    return web.json_response({"type": "Note"})


async def html(request: web.Request) -> web.Response:
    return web.Response(text="<html>{}</html>", content_type="text/html")


async def with_nul(request: web.Request) -> web.Response:
    return _as2({"type": "Note", "content": "a\u0000b", "tag": [{"name": "#x\u0000"}]})


async def a_list(request: web.Request) -> web.Response:
    return _as2([{"type": "Note"}])


async def invalid(request: web.Request) -> web.Response:
    return web.Response(body=b"{not json", content_type=AS2)


async def big(request: web.Request) -> web.Response:
    return _as2({"content": "x" * (CAP * 2)})


async def big_chunked(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": AS2})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    await resp.write(b'{"content": "')
    for _ in range(50):
        await resp.write(b"x" * 1000)
    await resp.write(b'"}')
    await resp.write_eof()
    return resp


async def small_chunked(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": AS2})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for part in (b'{"type":', b' "Note"', b"}"):
        await resp.write(part)
    await resp.write_eof()
    return resp


async def gzip_bomb(request: web.Request) -> web.Response:
    body = gzip.compress(json.dumps({"content": "x" * (CAP * 50)}).encode())
    assert len(body) < CAP  # the compressed size passes a Content-Length check
    return web.Response(body=body, headers={"Content-Type": AS2, "Content-Encoding": "gzip"})


async def status(request: web.Request) -> web.Response:
    return _as2({"error": "x"}, status=int(request.match_info["code"]))


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(1)
    return _as2({"type": "Note"})


async def redirect(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    location = "/doc" if n == 0 else f"/r/{n - 1}"
    raise web.HTTPFound(location)


async def relative_redirect(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("../doc")


async def redirect_to(request: web.Request) -> web.Response:
    raise web.HTTPTemporaryRedirect(request.query["to"])


async def redirect_without_location(request: web.Request) -> web.Response:
    return web.Response(status=302)


async def inbox(request: web.Request) -> web.Response:
    request.app[REQUESTS].append(
        {"headers": dict(request.headers), "body": await request.read(), "path": request.path}
    )
    return web.Response(status=int(request.query.get("status", "202")))


async def redirecting_inbox(request: web.Request) -> web.Response:
    raise web.HTTPFound("/inbox")


@web.middleware
async def record(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.method == "GET":
        request.app[REQUESTS].append({"path": request.path_qs, "headers": dict(request.headers)})
    return await handler(request)


def build_app() -> web.Application:
    app = web.Application(middlewares=[record])
    app[REQUESTS] = []
    routes = {
        "/doc": doc,
        "/a/doc": doc,
        "/ld": ld,
        "/json": plain_json,
        "/html": html,
        "/list": a_list,
        "/nul": with_nul,
        "/invalid": invalid,
        "/big": big,
        "/big-chunked": big_chunked,
        "/small-chunked": small_chunked,
        "/gzip-bomb": gzip_bomb,
        "/status/{code}": status,
        "/slow": slow,
        "/r/{n}": redirect,
        "/a/b/relative": relative_redirect,
        "/redirect-to": redirect_to,
        "/no-location": redirect_without_location,
    }
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    app.router.add_post("/inbox", inbox)
    app.router.add_post("/redirecting-inbox", redirecting_inbox)
    return app


@pytest.fixture
async def server(aiohttp_server: ServerFactory) -> TestServer:
    return await aiohttp_server(build_app())


@pytest.fixture
async def other_server(aiohttp_server: ServerFactory) -> TestServer:
    return await aiohttp_server(build_app())


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with make_session(AddressPolicy(allow_private=True), user_agent="test/1") as s:
        yield s


def url(server: TestServer, path: str) -> str:
    return str(server.make_url(path))


async def fetch(session: aiohttp.ClientSession, target: str, **kwargs: Any) -> FetchedDocument:
    kwargs.setdefault("allow_http", True)
    kwargs.setdefault("max_bytes", CAP)
    return await fetch_document(session, target, **kwargs)


async def test_fetch_as2_document(server: TestServer, session: aiohttp.ClientSession) -> None:
    fetched = await fetch(session, url(server, "/doc"))
    assert fetched.status == 200
    assert fetched.content_type == AS2
    assert fetched.document["type"] == "Note"
    assert fetched.requested_url == fetched.final_url == url(server, "/doc")
    sent = server.app[REQUESTS][0]["headers"]
    assert sent["Accept"] == ACCEPT
    assert sent["User-Agent"] == "test/1"
    assert "Cookie" not in sent


@pytest.mark.parametrize("path", ["/ld", "/json", "/small-chunked"])
async def test_accepted_content_types(
    path: str, server: TestServer, session: aiohttp.ClientSession
) -> None:
    assert (await fetch(session, url(server, path))).document == {"type": "Note"}


async def test_fragment_is_not_sent_and_not_reported(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    fetched = await fetch(session, url(server, "/doc") + "#main-key")
    assert fetched.requested_url.endswith("#main-key")
    assert fetched.final_url == url(server, "/doc")


async def test_nul_characters_are_dropped(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    fetched = await fetch(session, url(server, "/nul"))
    assert fetched.document == {"type": "Note", "content": "ab", "tag": [{"name": "#x"}]}


async def test_wrong_content_type(server: TestServer, session: aiohttp.ClientSession) -> None:
    with pytest.raises(FetchError, match="content type") as info:
        await fetch(session, url(server, "/html"))
    assert (info.value.retryable, info.value.status) == (False, 200)


async def test_content_types_is_a_parameter(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(FetchError, match="content type"):
        await fetch(session, url(server, "/json"), content_types={AS2})
    with pytest.raises(FetchError, match="invalid JSON"):
        await fetch(session, url(server, "/html"), content_types={"TEXT/HTML"})


@pytest.mark.parametrize(
    ("path", "message"), [("/list", "not an object"), ("/invalid", "invalid JSON")]
)
async def test_bad_json(
    path: str, message: str, server: TestServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(FetchError, match=message) as info:
        await fetch(session, url(server, path))
    assert info.value.retryable is False


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/big", "Content-Length"),  # declared too big: refused before reading
        ("/big-chunked", "body exceeds"),  # no Content-Length: cut while streaming
        ("/gzip-bomb", "body exceeds"),  # the cap counts decompressed bytes
    ],
)
async def test_size_cap(
    path: str, message: str, server: TestServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(FetchError, match=message) as info:
        await fetch(session, url(server, path))
    assert info.value.retryable is False


async def test_size_cap_allows_documents_under_it(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    fetched = await fetch(session, url(server, "/big-chunked"), max_bytes=60_000)
    assert len(fetched.document["content"]) == 50_000


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        (404, False),
        (410, False),
        (401, False),
        (403, False),
        (400, False),
        (300, False),
        (408, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
    ],
)
async def test_status_classification(
    code: int, retryable: bool, server: TestServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(FetchError) as info:
        await fetch(session, url(server, f"/status/{code}"))
    assert (info.value.status, info.value.retryable) == (code, retryable)


async def test_timeout_is_retryable(server: TestServer) -> None:
    policy = AddressPolicy(allow_private=True)
    async with make_session(policy, user_agent="t", total_timeout=0.1) as session:
        with pytest.raises(FetchError, match="timed out") as info:
            await fetch(session, url(server, "/slow"))
    assert (info.value.retryable, info.value.status) == (True, None)


async def test_connection_refused_is_retryable(session: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="cannot connect") as info:
        await fetch(session, f"http://127.0.0.1:{port}/doc")
    assert info.value.retryable is True


async def test_refused_address_is_address_not_allowed(server: TestServer) -> None:
    async with make_session(AddressPolicy(allow_private=False), user_agent="t") as session:
        with pytest.raises(AddressNotAllowed, match="loopback") as info:
            await fetch(session, url(server, "/doc"))
    assert info.value.retryable is False
    assert server.app[REQUESTS] == []


async def test_https_only_unless_allowed(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(FetchError, match="scheme") as info:
        await fetch(session, url(server, "/doc"), allow_http=False)
    assert info.value.retryable is False
    assert server.app[REQUESTS] == []


async def test_redirect_chain_reports_final_url(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    fetched = await fetch(session, url(server, "/r/3"), max_redirects=4)
    assert fetched.requested_url == url(server, "/r/3")
    assert fetched.final_url == url(server, "/doc")
    assert [r["path"] for r in server.app[REQUESTS]] == ["/r/3", "/r/2", "/r/1", "/r/0", "/doc"]


async def test_redirect_limit(server: TestServer, session: aiohttp.ClientSession) -> None:
    with pytest.raises(FetchError, match="more than 3 redirects") as info:
        await fetch(session, url(server, "/r/3"))
    assert info.value.retryable is False
    assert len(server.app[REQUESTS]) == 4
    assert (await fetch(session, url(server, "/r/2"))).final_url == url(server, "/doc")
    with pytest.raises(FetchError, match="more than 0 redirects"):
        await fetch(session, url(server, "/r/0"), max_redirects=0)


async def test_relative_redirect(server: TestServer, session: aiohttp.ClientSession) -> None:
    fetched = await fetch(session, url(server, "/a/b/relative"))
    assert fetched.final_url == url(server, "/a/doc")
    assert [r["path"] for r in server.app[REQUESTS]] == ["/a/b/relative", "/a/doc"]


async def test_cross_origin_redirect_shows_in_final_url(
    server: TestServer, other_server: TestServer, session: aiohttp.ClientSession
) -> None:
    target = url(other_server, "/doc")
    start = url(server, "/redirect-to") + "?to=" + target
    fetched = await fetch(session, start)
    assert fetched.final_url == target
    assert not same_origin(fetched.requested_url, fetched.final_url)
    assert same_origin(fetched.document["id"], fetched.final_url)


@pytest.mark.parametrize(
    "location",
    ["file:///etc/passwd", "ftp://example.com/", "http://user:pw@127.0.0.1/doc", "gopher://x/"],
)
async def test_redirect_targets_are_rechecked(
    location: str, server: TestServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(FetchError) as info:
        await fetch(session, url(server, "/redirect-to") + "?to=" + location)
    assert info.value.retryable is False


async def test_redirect_without_location(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(FetchError, match="without Location") as info:
        await fetch(session, url(server, "/no-location"))
    assert (info.value.status, info.value.retryable) == (302, False)


async def test_signer_called_on_every_hop_with_hop_url(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    calls: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def signer(
        method: str, target: str, headers: Mapping[str, str], body: bytes | None
    ) -> dict[str, str]:
        calls.append((method, target, dict(headers), body))
        return {"Signature": f"signed {target}"}

    await fetch(session, url(server, "/r/1") + "#frag", signer=signer)
    hops = [url(server, p) for p in ("/r/1", "/r/0", "/doc")]
    assert [c[1] for c in calls] == hops
    assert all(c[0] == "GET" and c[3] is None for c in calls)
    assert all(c[2]["Accept"] == ACCEPT for c in calls)
    sent = [r["headers"]["Signature"] for r in server.app[REQUESTS]]
    assert sent == [f"signed {hop}" for hop in hops]


async def test_post_document(server: TestServer, session: aiohttp.ClientSession) -> None:
    body = b'{"type": "Follow"}'
    seen: list[tuple[str, str, bytes | None]] = []

    def signer(
        method: str, target: str, headers: Mapping[str, str], payload: bytes | None
    ) -> dict[str, str]:
        seen.append((method, target, payload))
        assert headers["Content-Type"] == AS2_CONTENT_TYPE
        return {"Signature": "sig", "Digest": "SHA-256=x"}

    target = url(server, "/inbox")
    assert (
        await post_document(session, target, body, signer=signer, allow_http=True)
    ).status == 202
    assert seen == [("POST", target, body)]
    received = server.app[REQUESTS][-1]
    assert received["body"] == body
    assert received["headers"]["Signature"] == "sig"
    assert received["headers"]["Content-Type"] == AS2_CONTENT_TYPE


async def test_post_returns_error_statuses(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    for code in (401, 410, 500):
        target = url(server, f"/inbox?status={code}")
        assert (
            await post_document(session, target, b"{}", signer=None, allow_http=True)
        ).status == code


async def test_post_does_not_follow_redirects(
    server: TestServer, session: aiohttp.ClientSession
) -> None:
    target = url(server, "/redirecting-inbox")
    assert (await post_document(session, target, b"{}", signer=None, allow_http=True)).status == 302
    assert server.app[REQUESTS] == []


async def test_post_network_errors(server: TestServer, session: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError) as info:
        await post_document(
            session, f"http://127.0.0.1:{port}/inbox", b"{}", signer=None, allow_http=True
        )
    assert info.value.retryable is True
    async with make_session(AddressPolicy(allow_private=False), user_agent="t") as strict:
        with pytest.raises(AddressNotAllowed):
            await post_document(strict, url(server, "/inbox"), b"{}", signer=None, allow_http=True)
    with pytest.raises(FetchError, match="scheme"):
        await post_document(session, url(server, "/inbox"), b"{}", signer=None)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://a.example/users/x", "https://a.example/other", True),
        ("https://A.example/x", "https://a.example:443/y", True),
        ("http://a.example/x", "http://a.example:80/y", True),
        ("https://a.example/x", "http://a.example/x", False),
        ("https://a.example/x", "https://a.example:8443/x", False),
        ("https://a.example/x", "https://b.a.example/x", False),
        ("https://a.example/x", "/x", False),
        ("https://a.example/x", "not a url", False),
        ("https://a.example/x", "https://evil.example/@a.example", False),
        ("https://a.example/x", "https://a.example@evil.example/", False),
        ("https://a.example/x", "https://a.example?@evil.example/", True),
        ("https://a.example/x", "https://a.example#@evil.example/", True),
        ("https://a.example/x", "https://a.exa\tmple/x", True),  # urlsplit drops tabs
        ("https://a.example/x", " https://a.example/x", True),  # and leading spaces
        ("https://a.example/x", "https://a.example:99999/x", False),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same
    assert same_origin(b, a) is same
