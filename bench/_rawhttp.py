"""A lean HTTP/1.1 load generator for pre-built requests (keep-alive, asyncio Protocol).

The inbox benchmark must send *distinct*, pre-signed requests (every activity
id is new, so each one is stored), which ``wrk`` cannot do without a Lua
script that would hold them all. This client writes request bytes prepared
before the clock starts and reads back just the status line and the body
length, so it takes far less of the shared CPU per request than an aiohttp
client would (~65 µs of its process's CPU per inbox POST, RSS sampling included).

``run_requests`` sends every request exactly once over ``concurrency``
connections (each connection takes the next request when its previous answer
is in) and returns per-request statuses and latencies.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass
class RawResult:
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)  # status -> count (0 = socket error)
    latencies: list[float] = field(default_factory=list)  # seconds, every request
    ok_latencies: list[float] = field(default_factory=list)  # seconds, expected-status answers
    first_error: str = ""
    peak_rss_kib: int = 0

    def count(self, status: int) -> int:
        return self.statuses.get(status, 0)


def build_request(
    method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> bytes:
    """Raw HTTP/1.1 request bytes (``Host`` must be among ``headers``)."""
    lines = [f"{method} {path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection lost: {exc}"))

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes, bool]]:
        self.waiter = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(request)
        return self.waiter

    def _complete(self) -> None:
        if self.waiter is None or self.waiter.done():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1")
        status = int(head[9:12])
        length, chunked, close = 0, False, False
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and "close" in value.lower():
                close = True
        start = end + 4
        if chunked:  # only error pages might come chunked; no trailers expected
            stop = self.buffer.find(b"0\r\n\r\n", start)
            if stop < 0:
                return
            total = stop + 5
        else:
            total = start + length
            if len(self.buffer) < total:
                return
        body = bytes(self.buffer[start:total])
        del self.buffer[:total]
        self.waiter.set_result((status, body, close))


async def connect(host: str, port: int) -> _Connection:
    """One keep-alive connection: ``send(request)`` -> (status, body, close), one at a time."""
    _, proto = await asyncio.get_running_loop().create_connection(_Connection, host, port)
    return proto


async def run_requests(
    host: str,
    port: int,
    requests: Sequence[bytes],
    concurrency: int,
    *,
    expect: int = 200,
    rss: Callable[[], int] | None = None,
    request_timeout: float = 30.0,
) -> RawResult:
    """Send each of ``requests`` once, ``concurrency`` at a time; time each one."""
    result = RawResult()
    cursor = iter(requests)
    done_sampling = asyncio.Event()

    async def sample() -> None:
        while not done_sampling.is_set():
            if rss is not None:
                result.peak_rss_kib = max(result.peak_rss_kib, rss())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done_sampling.wait(), 0.05)

    async def worker() -> None:
        conn = await connect(host, port)
        clock = time.perf_counter
        for request in cursor:
            if conn.closed:
                conn = await connect(host, port)
            started = clock()
            try:
                status, body, close = await asyncio.wait_for(conn.send(request), request_timeout)
            except (ConnectionError, TimeoutError, OSError) as exc:
                status, body, close = 0, f"{type(exc).__name__}: {exc}".encode(), True
            elapsed = clock() - started
            result.latencies.append(elapsed)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if status == expect:
                result.ok_latencies.append(elapsed)
            elif not result.first_error:
                result.first_error = f"HTTP {status}: {body[:300].decode(errors='replace')}"
            if close and not conn.closed:
                assert conn.transport is not None
                conn.transport.close()
                conn = await connect(host, port)
        if conn.transport is not None:
            conn.transport.close()

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    done_sampling.set()
    await sampler
    if rss is not None:
        result.peak_rss_kib = max(result.peak_rss_kib, rss())
    return result
