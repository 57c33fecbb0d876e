"""The API's rate limits and the sign-in throttle hold across processes: two
``warmline serve`` processes serving one instance from one database give a
client one allowance between them, not one each.

On PostgreSQL, as a growing instance runs; and on SQLite, where two processes
on one file also share the counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import ServerProcess, SiblingProcess, free_port

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
HIDDEN = r'<input type="hidden" name="([^"]+)" value="([^"]*)">'


@pytest.fixture
def two_processes(
    server_process: Callable[..., ServerProcess], database_url: str, tmp_path: Path
) -> Callable[[str], tuple[ServerProcess, ServerProcess]]:
    started: list[ServerProcess] = []

    def start(limits: str) -> tuple[ServerProcess, ServerProcess]:
        shared = f'[server]\ndatabase_url = "{database_url}"\n'
        first = server_process("one", config_text=shared + limits)
        data = tmp_path / "two"
        data.mkdir()
        for _ in range(3):  # the port may be taken between asking and binding
            second = SiblingProcess(first, free_port(), data)
            started.append(second)
            try:
                second.start()
                return first, second
            except RuntimeError as error:
                if "address already in use" not in str(error):
                    raise
        raise AssertionError("no free port")

    yield start
    for proc in started:
        proc.stop()


async def test_a_token_has_one_allowance_across_processes(
    two_processes: Callable[[str], tuple[ServerProcess, ServerProcess]],
) -> None:
    one, two = two_processes("[api]\nrate_limit_requests = 6\n")
    assert one.cli("member", "create", "alice").returncode == 0
    token = one.cli("token", "create", "alice").stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    statuses = []
    async with aiohttp.ClientSession() as http:
        for n in range(10):  # round robin, as behind a load balancer
            proc = (one, two)[n % 2]
            async with http.get(f"{proc.base_url}/api/v1/timelines/home", headers=headers) as r:
                statuses.append(r.status)
                remaining = r.headers["X-RateLimit-Remaining"]
    assert statuses == [200] * 6 + [429] * 4
    assert remaining == "0"


async def test_failed_sign_ins_count_across_processes(
    two_processes: Callable[[str], tuple[ServerProcess, ServerProcess]],
) -> None:
    one, two = two_processes("[api]\nrate_limit_requests = 0\nsign_in_failures_per_account = 3\n")
    made = one.cli("member", "create", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    answers = []
    for n in range(4):
        answers.append(await sign_in((one, two)[n % 2], "alice", "wrong guess"))
    assert [status for status, _ in answers[:3]] == [401, 401, 401]
    status, text = answers[3]
    assert status == 429 and "Too many failed sign-in attempts" in text
    # Locked on both: even the right password waits.
    for proc in (one, two):
        status, text = await sign_in(proc, "alice", PASSWORD)
        assert status == 429, text


async def sign_in(proc: ServerProcess, username: str, password: str) -> tuple[int, str]:
    """The web sign-in form, as a browser submits it: (status, page)."""
    # unsafe: keep cookies for an address (127.0.0.1), as a browser does
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{proc.base_url}/signin") as page:
            hidden = dict(re.findall(HIDDEN, await page.text()))
        form: dict[str, Any] = {**hidden, "username": username, "password": password}
        async with http.post(f"{proc.base_url}/signin", data=form, allow_redirects=False) as resp:
            return resp.status, await resp.text()
