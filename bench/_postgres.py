"""A throwaway PostgreSQL cluster for a benchmark, started as tests/conftest.py does.

Unlike the tests' cluster it keeps PostgreSQL's durability defaults (``fsync``,
``full_page_writes``): a benchmark's commits should cost what they cost an
operator. Needs the server binaries (``initdb``, ``pg_ctl``; ``tests/setup.sh``
installs them); as root the cluster runs as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench._server import ServerError, free_port


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return versions[-1].parent if versions else None


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a cluster on a free loopback port; yield ``postgresql+asyncpg://.../bench``."""
    binaries = _binaries()
    if binaries is None:
        raise ServerError("PostgreSQL is not installed (initdb not found); or pass --database-url")
    data = Path(tempfile.mkdtemp(prefix="warmline-bench-pg-"))
    user = "postgres" if os.geteuid() == 0 else None
    if user:
        shutil.chown(data, user)
    run = functools.partial(subprocess.run, check=True, capture_output=True, user=user, timeout=120)
    port = free_port()
    try:
        run([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
        options = f"-p {port} -k {data} -h 127.0.0.1 -c max_connections=200"
        run([str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"),
             "-w", "start"])  # fmt: skip
        run([str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
             "bench"])  # fmt: skip
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(data, ignore_errors=True)
        raise ServerError(
            f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}"
        ) from None
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, user=user, timeout=60,
        )  # fmt: skip
        shutil.rmtree(data, ignore_errors=True)
