"""A browser on the web interface of an in-process app, for tests (no JavaScript:
forms are posted as a browser without it would post them)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from server.appkeys import DB
from server.services import members

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
# What a browser sends: error answers are pages, not JSON.
ACCEPT_HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


class Browser:
    """One cookie jar on one app: signs in, reads pages, posts forms with their CSRF token."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    async def get(self, path: str, status: int = 200, **kw: Any) -> str:
        kw["headers"] = {**ACCEPT_HTML, **kw.get("headers", {})}
        resp = await self.client.get(path, allow_redirects=False, **kw)
        text = await resp.text()
        assert resp.status == status, f"GET {path}: {resp.status}\n{text[:2000]}"
        found = _CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        elif not self.csrf:  # a page without a form: the pre-sign-in token is in its cookie
            cookies = self.client.session.cookie_jar.filter_cookies(self.client.make_url("/"))
            self.csrf = cookies["warmline_csrf"].value if "warmline_csrf" in cookies else ""
        return text

    async def post(
        self,
        path: str,
        data: dict[str, Any] | FormData | None = None,
        status: int = 303,
        *,
        csrf: bool = True,
        **kw: Any,
    ) -> Any:
        """POST a form (with the CSRF token of the last page read, unless ``csrf`` is
        False); returns the response, its body read."""
        if not self.csrf and csrf:
            await self.get("/about")
        if isinstance(data, FormData):
            if csrf:
                data.add_field("csrf_token", self.csrf)
            body: Any = data
        else:
            body = {**({"csrf_token": self.csrf} if csrf else {}), **(data or {})}
        kw["headers"] = {**ACCEPT_HTML, **kw.get("headers", {})}
        resp = await self.client.post(path, data=body, allow_redirects=False, **kw)
        text = await resp.text()
        assert resp.status == status, f"POST {path}: {resp.status}\n{text[:2000]}"
        resp.body_text = text  # type: ignore[attr-defined]
        return resp

    async def sign_in(self, username: str, password: str = PASSWORD) -> None:
        await self.get("/signin")
        resp = await self.post("/signin", {"username": username, "password": password})
        assert resp.headers["Location"] == "/", resp.headers
        await self.get("/")  # the signed-in page carries the session's CSRF token


async def member_with_password(
    client: TestClient, username: str, *, role: str = "member", display_name: str = ""
) -> None:
    await members.create_member(
        client.app[DB], username, password=PASSWORD, role=role,
        display_name=display_name or username.title(),
    )  # fmt: skip
