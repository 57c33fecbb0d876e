"""Run a real ``warmline serve`` subprocess for the server benchmarks."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench._common import proc_status

REPO = Path(__file__).resolve().parents[1]
# ``python -m server`` is the ``warmline`` command. Not the ``warmline`` script: an
# editable install maps ``server`` to the checkout it was installed from, which
# is not this one when the benchmarks run in another git worktree.
WARMLINE = [sys.executable, "-m", "server"]


class ServerError(RuntimeError):
    """The server did not start; the message carries its output."""


def repo_env(database_url: str | None = None) -> dict[str, str]:
    """The environment for child processes: this checkout's packages come first;
    ``database_url`` (``WARMLINE_DATABASE_URL``) instead of the data dir's SQLite."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    if database_url:
        env["WARMLINE_DATABASE_URL"] = database_url
    return env


def run_warmline(
    *args: str, stdin: str | None = None, timeout: float = 120, database_url: str | None = None
) -> str:
    """Run a ``warmline`` command of this checkout; its stdout (ServerError if it fails)."""
    cmd = [*WARMLINE, *args]
    done = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, timeout=timeout,
        env=repo_env(database_url), cwd=REPO,
    )  # fmt: skip
    if done.returncode != 0:
        raise ServerError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr.strip()}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_member(
    data: Path, authority: str, username: str = "alice", database_url: str | None = None
) -> None:
    """``warmline member create`` (runs the migrations on a fresh data dir or database)."""
    run_warmline(
        "member", "create", username, "--dev", "--domain", authority, "--data", str(data),
        database_url=database_url,
    )  # fmt: skip


def make_token(data: Path, authority: str, scopes: str = "read", username: str = "alice") -> str:
    """A bearer token from ``warmline token create``."""
    out = run_warmline(
        "token", "create", username, "--scopes", scopes, "--dev", "--domain", authority,
        "--data", str(data),
    )  # fmt: skip
    return out.strip().splitlines()[-1]


class Server:
    """``warmline serve --dev`` on 127.0.0.1:port with its log in ``data/server.log``."""

    def __init__(
        self,
        data: Path,
        port: int,
        command: list[str] | None = None,
        *,
        dev: bool = True,
        extra_config: str = "",
        serve_args: tuple[str, ...] = (),
        database_url: str | None = None,
    ) -> None:
        """``command`` replaces the ``warmline`` executable (e.g. ``bench._variant_server``);
        ``dev=False`` runs it as in production (templates compiled once, ``Secure``
        cookies, https ids), for benchmarks that talk to it only over loopback HTTP.
        ``extra_config`` is added to its TOML file (``[metrics]\nenabled = true``);
        ``serve_args``: more for ``serve`` (``--no-workers``); ``database_url``: a
        database instead of the data dir's SQLite file."""
        self.data, self.port, self.dev = data, port, dev
        self.extra_config = extra_config
        self.serve_args, self.database_url = serve_args, database_url
        self.command = command or WARMLINE
        self.authority = f"127.0.0.1:{port}"
        self.base = f"http://{self.authority}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data / "server.log"
        self.config_path = data / "bench.toml"  # written by start(); workers read it too

    def start(self, timeout: float = 60.0) -> float:
        """Start and wait for ``/healthz``; return seconds from spawn to the first 200."""
        self.data.mkdir(parents=True, exist_ok=True)
        # A benchmark is one client making thousands of requests: no API rate limit.
        # Its one peer host delivers thousands of activities a second from dozens of
        # actors it introduces at once, which no real peer does: the inbox and
        # key-fetch limits of a host (and of one actor: bench.door's busy sender)
        # are raised out of the way, but still counted (their cost is part of
        # what bench.inbox measures).
        config = self.config_path
        config.write_text(
            "[api]\nrate_limit_requests = 0\nrate_limit_requests_per_account = 0\n"
            "[federation]\ninbox_per_host_per_minute = 100000000\nkey_fetch_burst = 100000\n"
            "inbox_per_actor_per_minute = 100000000\n" + self.extra_config
        )
        cmd = [
            *self.command,
            "serve",
            *self.serve_args,
            "--config",
            str(config),
            *(["--dev"] if self.dev else []),
            "--listen",
            self.authority,
            "--domain",
            self.authority,
            "--data",
            str(self.data),
        ]
        with open(self.log_path, "ab") as log:
            started = time.perf_counter()
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
                env=repo_env(self.database_url),
            )  # fmt: skip
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(
                    f"warmline serve exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            if self._healthy():
                return time.perf_counter() - started
            time.sleep(0.005)
        self.stop()
        raise ServerError(f"no /healthz answer within {timeout:g}s:\n{self.log_tail()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def rss_kib(self) -> dict[str, int]:
        """Current (VmRSS) and peak (VmHWM) resident memory of the server, KiB."""
        return proc_status(self.proc.pid) if self.proc else {}

    def log_tail(self, lines: int = 25) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def variant_lines(self) -> list[str]:
        """What ``bench._variant_server`` logged (its lines start "bench-variant:")."""
        return [
            line for line in self.log_tail(10**9).splitlines() if line.startswith("bench-variant:")
        ]

    def stop(self) -> None:
        """SIGINT (aiohttp's graceful shutdown), then SIGKILL after 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
