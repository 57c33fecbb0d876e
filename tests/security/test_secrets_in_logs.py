"""Secrets never reach a log: tokens in query strings, ``Authorization``
headers, passwords and session cookies, as a real server process writes its
log."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fedapi import start_member

from server.serve import redacted_target

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery staple"


async def test_no_secret_a_client_sends_is_written_to_the_log(server_process: Any) -> None:
    server, token = start_member(server_process, "a", "ann")
    server.cli("member", "password", "ann", stdin=PASSWORD + "\n")
    base = server.base_url
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        # a token in the query string (Mastodon's streaming takes it there), in a header
        for path, headers in (
            (f"/api/v1/accounts/verify_credentials?access_token={token}", {}),
            (f"/api/v1/timelines/home?limit=1&Access_Token={token}", {}),
            ("/api/v1/accounts/verify_credentials", {"Authorization": f"Bearer {token}"}),
        ):
            async with session.get(base + path, headers=headers) as resp:
                await resp.read()
        # a password and the session cookie the sign-in gives
        async with session.get(f"{base}/signin") as resp:
            page = await resp.text()
        csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"username": "ann", "password": PASSWORD, "csrf_token": csrf}
        async with session.post(f"{base}/signin", data=form, allow_redirects=False) as resp:
            signed_in = resp.status, await resp.text()
        cookies = [c.value for c in session.cookie_jar]
        async with session.get(f"{base}/settings") as resp:
            await resp.read()
    assert signed_in[0] == 303, signed_in[1]
    assert cookies, "the sign-in set a session cookie"

    log = server.log.read_text()
    assert "access_token=[redacted]" in log and "Access_Token=[redacted]" in log
    for secret in (token, PASSWORD, *cookies):
        assert secret not in log


def test_only_the_values_of_secret_parameters_are_hidden() -> None:
    from aiohttp.test_utils import make_mocked_request

    def target(path: str) -> str:
        return redacted_target(make_mocked_request("GET", path))

    assert target("/x") == "/x"
    assert target("/x?a=1&b=2") == "/x?a=1&b=2"
    assert target("/x?access_token=abc&limit=2") == "/x?access_token=[redacted]&limit=2"
    assert target("/oauth?code=abc&client_secret=s&state=ok") == (
        "/oauth?code=[redacted]&client_secret=[redacted]&state=ok"
    )
    assert target("/x?access%5Ftoken=abc") == "/x?access_token=[redacted]"
    assert target("/x?token") == "/x?token"  # no value to hide
