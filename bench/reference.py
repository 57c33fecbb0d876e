"""The reference for issue 14's inbox targets: a bare handler that only verifies signatures.

A child process (one event loop, as ``warmline serve``) runs an aiohttp app
with one handler: read the body, check the draft-cavage signature of the
request with the sender's public key already in memory, answer 202. No
database, no JSON parsing, no middlewares, no access log. The door's figures
are reported as ratios to this, measured in the same run with the very same
pre-signed requests (``bench.inbox`` signs them), so a busy machine moves both.

The check is the project's own verifier, ``federation.httpsig``'s
``parse_request_signature`` + ``verify_parsed`` (signed headers, Date window,
``Digest`` against the body's SHA-256, then RSA): exactly the signature work
the door must do for a delivery whose key is cached, and nothing else. Calling
``cryptography`` directly would skip the digest and header checks the door
cannot skip, and flatter the reference.

    .venv/bin/python -m bench.reference [--requests 6000] [--concurrency 16] [--senders 50]

Other benchmarks import :class:`Reference` (the child process) and
:func:`measure` (send pre-built requests to any server at N connections:
req/s, p50/p99, the server's CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from bench._common import cpu_seconds, machine, spread, table
from bench._rawhttp import run_requests
from bench._server import REPO, ServerError, free_port, repo_env

# --- the child process -------------------------------------------------------------


def _serve(port: int, keys_file: Path) -> None:
    """The reference server: POST anywhere -> verify the cavage signature -> 202."""
    from aiohttp import web

    from federation import keys as fkeys
    from federation.errors import SignatureError
    from federation.httpsig import parse_request_signature, verify_parsed

    public = {kid: fkeys.load_public_pem(pem) for kid, pem in json.loads(keys_file.read_text())}

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            parsed = parse_request_signature(
                "POST", f"http://{request.host}{request.raw_path}", request.headers, body
            )
            key = public.get(parsed.key_id)
            if key is None:
                return web.json_response({"error": "unknown key"}, status=401)
            verify_parsed(parsed, key)
        except SignatureError as exc:
            return web.json_response({"error": str(exc)}, status=401)
        return web.Response(status=202)

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/{tail:.*}", inbox)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


class Reference:
    """The reference server in a child process; ``keys``: (keyId, public PEM) pairs."""

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="warmline-bench-reference-")
        self._keys = Path(self._dir.name) / "keys.json"
        self._keys.write_text(json.dumps(keys))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __enter__(self) -> Reference:
        cmd = [sys.executable, "-m", "bench.reference", "--serve", str(self.port), str(self._keys)]
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=repo_env(), stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"the reference server exited: {self.proc.stderr.read()!r}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.02)
        raise ServerError("the reference server did not answer within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self._dir.cleanup()


# --- measuring ---------------------------------------------------------------------


@dataclass
class Measured:
    rate: float  # expected answers per second
    p50_ms: float
    p99_ms: float
    cpu_pct: float  # the server process's CPU, % of one core
    errors: int
    first_error: str
    peak_rss_mib: float = float("nan")

    def ratio(self, reference: Measured) -> float:
        return self.rate / reference.rate if reference.rate else float("nan")


async def measure(
    port: int, pid: int, requests: list[bytes], concurrency: int, *, expect: int = 202, rss=None
) -> Measured:
    """Send ``requests`` once each over ``concurrency`` connections to 127.0.0.1:port."""
    cpu_before = cpu_seconds(pid)
    result = await run_requests("127.0.0.1", port, requests, concurrency, expect=expect, rss=rss)
    cpu = (cpu_seconds(pid) - cpu_before) / result.seconds * 100
    lat = spread(result.ok_latencies or [float("nan")])
    ok = result.count(expect)
    return Measured(
        rate=ok / result.seconds,
        p50_ms=lat["p50"] * 1e3,
        p99_ms=lat["p99"] * 1e3,
        cpu_pct=cpu,
        errors=len(requests) - ok,
        first_error=result.first_error,
        peak_rss_mib=result.peak_rss_kib / 1024 if rss else float("nan"),
    )


async def measure_reference(
    keys: list[tuple[str, str]], requests: list[bytes], concurrency: int = 16, warmup: int = 200
) -> Measured:
    """Start the reference, send ``warmup`` requests untimed, then all of them timed."""
    with Reference(keys) as ref:
        await run_requests("127.0.0.1", ref.port, requests[:warmup], concurrency, expect=202)
        return await measure(ref.port, ref.pid, requests, concurrency)


def sender_keys(peer: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(keyId, public PEM) of bench.inbox's senders, from its (private, public) pairs."""
    return [(f"{peer}/users/s{n}#main-key", public) for n, (_, public) in enumerate(pairs)]


# --- standalone --------------------------------------------------------------------

COLUMNS = ["server", "conc", "requests", "req/s", "p50 ms", "p99 ms", "server CPU %", "errors"]


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) == 4 and sys.argv[1] == "--serve":
        _serve(int(sys.argv[2]), Path(sys.argv[3]))
        return
    from bench import inbox

    parser = argparse.ArgumentParser(
        prog="python -m bench.reference",
        description="The bare signature-verifying handler issue 14's ratios are measured "
        "against: req/s, p50/p99 and CPU for bench.inbox's pre-signed requests.",
    )
    parser.add_argument("--requests", type=int, default=6000, help="requests sent (default 6000)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16], help="default 16")
    parser.add_argument("--senders", type=int, default=50, help="sender keys (default 50)")
    parser.add_argument("--runs", type=int, default=3, help="runs per level (default 3)")
    args = parser.parse_args(argv)
    print(f"# bench.reference: {machine()}")
    port = free_port()
    target = SimpleNamespace(base=f"http://127.0.0.1:{port}", authority=f"127.0.0.1:{port}")
    peer = "http://127.0.0.1:9"
    workers = min(2, os.cpu_count() or 1)
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        pairs, _, alice, handle, batches = inbox.prepare(pool, args, target, [args.requests])
    signed = inbox.sign_all(workers, [p for p, _ in pairs], target, peer, alice, handle, batches)
    signing = time.perf_counter() - started
    print(f"# {args.requests:,} requests signed in {signing:.1f}s", flush=True)
    keys = sender_keys(peer, pairs)
    rows = []
    for concurrency in args.concurrency:
        for run in range(args.runs):
            m = asyncio.run(measure_reference(keys, signed[1], concurrency))
            rows.append(
                [f"reference (run {run + 1})", concurrency, args.requests, m.rate,
                 m.p50_ms, m.p99_ms, m.cpu_pct, m.errors]
            )  # fmt: skip
            if m.errors:
                print(f"# first error: {m.first_error}")
    print()
    print(table(COLUMNS, rows))
    print(f"\n# load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
