"""``warmline serve --no-workers`` beside a ``warmline worker`` process, both real
processes on one data folder: the web process queues work and never does it,
the worker does it, and stops cleanly on SIGTERM. A refused ``worker`` command
says why in one line."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ServerProcess, _clean_env, free_port

ARCHIVE = "/api/v1/warmline/account/archive"


def call(server: ServerProcess, token: str, method: str, path: str) -> Any:
    request = urllib.request.Request(
        server.base_url + path, method=method, headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        return (
            json.loads(body)
            if response.headers["Content-Type"].startswith("application/json")
            else body
        )


def wait_for(predicate: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_process_works_the_queues_a_web_process_left(tmp_path: Path) -> None:
    data = tmp_path / "data"
    web = ServerProcess(free_port(), data, serve_args=("--no-workers",))
    web.start()
    worker: subprocess.Popen[bytes] | None = None
    try:
        assert web.cli("member", "create", "ann").returncode == 0
        token = web.cli("token", "create", "ann").stdout.strip()
        assert call(web, token, "POST", ARCHIVE)["state"] == "pending"
        time.sleep(1.5)  # no process works the queues: it can only stay as it is
        assert call(web, token, "GET", ARCHIVE)["state"] == "pending"

        log = tmp_path / "worker.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "server", "worker", "--queues", "archives,delivery",
                 "--concurrency", "2", *web.flags()],
                stdout=out, stderr=subprocess.STDOUT, env=_clean_env(),
            )  # fmt: skip
        wait_for(lambda: b"Warmline worker for" in log.read_bytes(), "the worker to start")
        assert b"archives, delivery (4 runners)" in log.read_bytes()
        wait_for(lambda: call(web, token, "GET", ARCHIVE)["state"] == "ready", "the archive")
        url = call(web, token, "GET", ARCHIVE)["url"]
        zipped = call(web, token, "GET", url.removeprefix(web.base_url))
        assert "actor.json" in zipfile.ZipFile(io.BytesIO(zipped)).namelist()

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
        assert b"worker stopping" in log.read_bytes()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        web.stop()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--queues", "inbox,mail"], "not mail"),
        (["--queues", ","], "--queues takes names from"),
        (["--concurrency", "0"], "between 1 and 16"),
    ],
)
def test_a_refused_worker_command_says_why(tmp_path: Path, args: list[str], message: str) -> None:
    flags = ["--dev", "--data", str(tmp_path / "data"), "--domain", "w.test"]
    done = subprocess.run(
        [sys.executable, "-m", "server", "worker", *args, *flags],
        capture_output=True, text=True, timeout=60, env=_clean_env(),
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warmline: error: ") and message in lines[0]
