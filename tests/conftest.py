"""Shared test configuration and fixtures.

Besides configuration and a database, this provides real Warmline instances
on loopback: ``server_process`` starts ``warmline serve --dev`` processes and
``in_process`` serves apps on real ports inside the test's event loop. Each
uses ``127.0.0.1:PORT`` as its domain, so ids, handles and signatures are real.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import os
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import argon2
import pytest
from aiohttp import web

from server.app import create_app
from server.config import Config, FederationSettings, load_config, with_overrides
from server.services import members, passwords
from server.store import Database

FIXTURES = Path(__file__).parent / "fixtures"
T = TypeVar("T")


# argon2id as PasswordHasher() makes it (m=64 MiB, t=3, p=4) costs 0.1-0.5 s a
# hash or check: a third of the time of the tests that sign members in. Tests
# hash with the cheapest parameters instead (still argon2id, through the same
# code); those marked real_password_hashing keep the real ones. Servers run as
# processes (server_process, the browser and federation tests) keep them too.
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_password_hashing") is None:
        cheap = functools.partial(argon2.PasswordHasher, **CHEAP_ARGON2)
        monkeypatch.setattr(passwords, "PasswordHasher", cheap)


# Every member and the instance actor get a new RSA-2048 key: 0.05-0.5 s each, a
# fifth of the in-process tests' time. Each test worker makes its first
# KEY_POOL sets for real, then hands them out again in turn: a test's members
# still have keys different from each other (up to KEY_POOL of them), in
# databases of their own. Server processes make theirs for real.
KEY_POOL = 32


class _KeyPool:
    def __init__(self, generate: Callable[[], members.NewKeys]) -> None:
        self._generate, self._made, self._next = generate, list[members.NewKeys](), 0
        self._lock = threading.Lock()  # members make keys in worker threads

    def __call__(self) -> members.NewKeys:
        with self._lock:
            if len(self._made) < KEY_POOL:
                self._made.append(self._generate())
                return self._made[-1]
            self._next = (self._next + 1) % KEY_POOL
            return self._made[self._next]


@pytest.fixture(scope="session")
def _key_pool() -> _KeyPool:
    return _KeyPool(members._generate_keys)


@pytest.fixture(autouse=True)
def pooled_member_keys(_key_pool: _KeyPool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(members, "_generate_keys", _key_pool)


@pytest.fixture
def fixtures_dir() -> Path:
    """Real-world documents as 40+ fediverse servers send them (see fixtures/README.md)."""
    return FIXTURES


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Config]:
    """Build a Config the way the CLI does, with its data in the test's folder."""

    def make(**overrides: Any) -> Config:
        overrides.setdefault("data", str(tmp_path / "data"))
        overrides.setdefault("dev", True)
        overrides.setdefault("listen", "127.0.0.1:8080")
        return load_config(environ={}, **overrides)

    return make


def _pg_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL server for the session; yields its base URL.

    Skipped where PostgreSQL is not installed, unless WARMLINE_TEST_POSTGRES=required
    (CI sets it, so the PostgreSQL runs cannot silently vanish there).
    """
    binaries = _pg_binaries()
    if binaries is None:
        if os.environ.get("WARMLINE_TEST_POSTGRES") == "required":
            pytest.fail(
                "PostgreSQL is required (WARMLINE_TEST_POSTGRES=required) but initdb is missing"
            )
        pytest.skip("PostgreSQL is not installed (tests/setup.sh installs it)")
    # Not under pytest's tmp folder: that one is private to root, and initdb
    # refuses to run as root, so the server runs as the postgres user.
    data = Path(tempfile.mkdtemp(prefix="warmline-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        shutil.chown(data, user)
    run = functools.partial(subprocess.run, check=True, capture_output=True, user=user, timeout=120)
    run([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"])
    for attempt in range(3):
        # Speed over durability, and a small WAL: a session creates a database per test.
        port = free_port()
        options = (
            f"-p {port} -k {data} -h 127.0.0.1 -c fsync=off -c full_page_writes=off"
            " -c max_wal_size=64MB -c min_wal_size=32MB"
        )
        start = [str(binaries / "pg_ctl"), "-D", str(data), "-o", options]
        try:
            run([*start, "-l", str(data / "log"), "-w", "start"])
            break
        except subprocess.CalledProcessError:
            # The free port was taken before the server bound it (test processes,
            # and parallel test workers, keep asking for ports): another one.
            if attempt == 2 or "already in use" not in (data / "log").read_text():
                raise
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            user=user,
            timeout=60,
        )
        shutil.rmtree(data, ignore_errors=True)  # a session leaves gigabytes otherwise


async def _fresh_pg_database(base_url: str, template: str | None = None) -> str:
    import asyncpg

    name = f"t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(base_url.replace("postgresql+asyncpg", "postgresql") + "/postgres")
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await conn.close()
    return f"{base_url}/{name}"


def new_pg_database(base_url: str) -> str:
    """A new, empty PostgreSQL database (for synchronous tests)."""
    return _run_in_a_thread(_fresh_pg_database(base_url))


def _run_in_a_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` in an event loop of its own: a session fixture may be
    set up while a test's event loop is running."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session (by the real migrations, from empty);
    ``migrated_database_url`` hands each test a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _run_in_a_thread(_migrate(f"sqlite+aiosqlite:///{path}"))
    with contextlib.closing(sqlite3.connect(path)) as conn:  # all of it in the one file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres: str) -> str:
    """The name of a PostgreSQL database migrated once per session (by the real
    migrations, from empty); ``migrated_database_url`` copies it for each test."""
    url = _run_in_a_thread(_fresh_pg_database(postgres))
    _run_in_a_thread(_migrate(url))  # closed after: a template must have no connections
    return url.rsplit("/", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every database test runs twice: on SQLite and on PostgreSQL."""
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for each backend: a new SQLite file, a fresh PostgreSQL
    database; empty, so whatever opens it runs every migration."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    return await _fresh_pg_database(request.getfixturevalue("postgres"))


@pytest.fixture
async def migrated_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> str:
    """Like ``database_url``, but already at the newest migration: a copy of a
    database the migrations built once this session (a test's own database
    still, for it alone). Saves running every migration for every test."""
    if backend == "sqlite":
        path = tmp_path / "migrated.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    template = request.getfixturevalue("postgres_template")
    return await _fresh_pg_database(request.getfixturevalue("postgres"), template)


@pytest.fixture
async def db(migrated_database_url: str) -> AsyncIterator[Database]:
    """A migrated database, on SQLite and on PostgreSQL."""
    database = Database(migrated_database_url)
    await database.migrate()  # at the head already: only checks so
    yield database
    await database.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A ``warmline serve --dev`` process and a way to run CLI commands beside it."""

    port: int
    data: Path
    config_file: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    serve_args: tuple[str, ...] = ()  # more for ``serve`` (``--no-workers``)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.data / "server.log"

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.domain}"

    def flags(self) -> list[str]:
        flags = [
            "--dev",
            "--domain",
            self.domain,
            "--listen",
            self.domain,
            "--data",
            str(self.data),
        ]
        if self.config_file:
            flags += ["--config", str(self.config_file)]
        return flags

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server", *args, *self.flags()],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            env=_clean_env(),
        )

    def start(self) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            since = out.tell()  # a restart appends to the log of the earlier run
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", *self.serve_args, *self.flags()],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=_clean_env(),
            )
        self.wait_ready(since=since)

    def wait_ready(self, timeout: float = 30, since: int = 0) -> None:
        """Wait for the server's "listening on" line (logged once it accepts
        connections). Not just for the port to accept: when a parallel test
        worker's server took the port first, that one would accept."""
        deadline = time.monotonic() + timeout
        ready = f"listening on {self.domain},".encode()
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            with self.log.open("rb") as log:
                log.seek(since)
                if ready in log.read():
                    return
            time.sleep(0.05)
        raise RuntimeError(
            f"server did not log {ready.decode()!r} in {timeout}s"
            f" (a log_level above INFO hides it):\n{self.log.read_text()}"
        )

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to finish anything."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class SiblingProcess(ServerProcess):
    """Another process of the instance ``first`` serves: its domain, its own port
    and data folder, ``first``'s configuration (and so its database)."""

    def __init__(
        self, first: ServerProcess, port: int, data: Path, serve_args: tuple[str, ...] = ()
    ) -> None:
        super().__init__(port, data, first.config_file, serve_args=serve_args)
        self.first = first

    def flags(self) -> list[str]:
        flags = super().flags()
        flags[flags.index("--domain") + 1] = self.first.domain
        return flags


def start_on_a_free_port(
    data: Path, config_file: Path | None, started: list[ServerProcess]
) -> ServerProcess:
    """A started ``ServerProcess`` (appended to ``started``) on a port from the OS.

    The port is free when asked for, but the server binds it a second later: in
    between, another process (a test's client, a parallel test worker) may take
    it. The server then exits at once having made nothing, and we try another.
    """
    for attempt in range(3):
        proc = ServerProcess(free_port(), data, config_file)
        started.append(proc)
        try:
            proc.start()
            return proc
        except RuntimeError as error:
            if attempt == 2 or "address already in use" not in str(error):
                raise
    raise AssertionError("unreachable")


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WARMLINE_")}


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start ``warmline serve`` processes; all are stopped at the end of the test."""
    started: list[ServerProcess] = []

    def start(name: str = "a", config_text: str | None = None) -> ServerProcess:
        data = tmp_path / name
        data.mkdir(parents=True, exist_ok=True)
        # Tests poll the API while they wait for deliveries: no rate limit unless asked.
        text = config_text or ""
        if "[api]" not in text:
            text += "\n[api]\nrate_limit_requests = 0\nrate_limit_requests_per_account = 0\n"
        config_file = data / "warmline.toml"
        config_file.write_text(text)
        return start_on_a_free_port(data, config_file, started)

    yield start
    for proc in started:
        proc.stop()


@dataclass
class InProcess:
    """A Warmline app served on a real loopback port inside the test's event loop."""

    app: web.Application
    runner: web.AppRunner
    config: Config

    @property
    def base_url(self) -> str:
        return self.config.base_url


@pytest.fixture
async def in_process(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    runners: list[web.AppRunner] = []

    async def start(
        name: str = "b", *, dev: bool = True, federation: FederationSettings | None = None
    ) -> InProcess:
        port = free_port()
        config = load_config(
            environ={},
            dev=dev,
            domain=f"127.0.0.1:{port}",
            listen=f"127.0.0.1:{port}",
            data=str(tmp_path / name),
        )
        if federation is not None:
            config = with_overrides(config, federation=federation)
        app = create_app(config)
        runner = web.AppRunner(app)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return InProcess(app, runner, config)

    yield start
    for runner in reversed(runners):
        await runner.cleanup()
