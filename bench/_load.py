"""HTTP load generators: an in-process aiohttp client, or ``wrk`` when installed.

Both keep ``concurrency`` requests in flight (keep-alive connections) for a fixed
time and sample the server's RSS every 50 ms meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import aiohttp

from bench._common import spread


@dataclass
class LoadResult:
    client: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)  # p50/p90/p99
    peak_rss_kib: int = 0  # highest VmRSS sampled during the run
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def _sample_rss(rss: Callable[[], int], result: LoadResult, stop: asyncio.Event) -> None:
    while not stop.is_set():
        result.peak_rss_kib = max(result.peak_rss_kib, rss())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)
    result.peak_rss_kib = max(result.peak_rss_kib, rss())


async def aiohttp_load(
    url: str, headers: Mapping[str, str], concurrency: int, seconds: float, rss: Callable[[], int]
) -> LoadResult:
    result = LoadResult(client="aiohttp")
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers
    ) as session:
        stop_sampling = asyncio.Event()
        sampler = asyncio.create_task(_sample_rss(rss, result, stop_sampling))
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            while (t0 := time.perf_counter()) < deadline:
                try:
                    async with session.get(url) as response:
                        await response.read()
                        ok = response.status == 200
                        problem = f"HTTP {response.status}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    ok, problem = False, f"{type(exc).__name__}: {exc}"
                latencies.append(time.perf_counter() - t0)
                if not ok:
                    result.errors += 1
                    result.first_error = result.first_error or problem

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
        stop_sampling.set()
        await sampler
    result.requests = len(latencies)
    stats = spread(latencies)
    result.latency_ms = {k: stats[k] * 1000 for k in ("p50", "p90", "p99")}
    return result


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([0-9.]+)([a-z]+)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str, result: LoadResult) -> None:
    """Fill ``result`` from ``wrk --latency`` output (percentiles 50/90/99)."""
    for pct in ("50", "90", "99"):
        match = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.M)
        result.latency_ms[f"p{pct}"] = _ms(match.group(1)) if match else float("nan")
    done = re.search(r"(\d+) requests in ([0-9.]+)(\w+)", output)
    result.requests = int(done.group(1))
    result.seconds = _ms(done.group(2) + done.group(3)) / 1000
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    result.errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in socket.groups()) if socket else 0
    )
    if result.errors:
        result.first_error = (non_2xx.group(0) if non_2xx else "") + (
            socket.group(0) if socket else ""
        )


async def wrk_load(
    url: str, headers: Mapping[str, str], concurrency: int, seconds: float, rss: Callable[[], int]
) -> LoadResult:
    """``wrk -t1``: one load thread, so the server keeps the other core."""
    result = LoadResult(client="wrk -t1")
    args = [
        "-t1",
        f"-c{concurrency}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    stop_sampling = asyncio.Event()
    sampler = asyncio.create_task(_sample_rss(rss, result, stop_sampling))
    proc = await asyncio.create_subprocess_exec(
        "wrk", *args, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await proc.communicate()
    stop_sampling.set()
    await sampler
    text = output.decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {text.strip()}")
    parse_wrk(text, result)
    return result


def have_wrk() -> bool:
    return shutil.which("wrk") is not None
