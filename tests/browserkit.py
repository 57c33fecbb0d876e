"""Helpers for the browser tests in tests/browser (fixtures in its conftest.py).

Playwright's async API drives Debian's Chromium (never a downloaded browser)
against real ``warmline serve --dev`` processes. Everything a test sets up on
an instance (members, tokens, posts) goes through the CLI or the API, so these
helpers are synchronous; only the browser is awaited.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from conftest import ServerProcess
    from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, Response
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import Request as PlaywrightRequest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "tests" / "browser" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"

# Headless, and quiet on a closed network: without the background-networking
# flags Chromium keeps trying to reach Google's services, and every attempt is
# a refused connection.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PASSWORD = "browser-test-password"  # every member made by Instance.create_member has it

# Requests the browser makes on its own, which no page asked for. Chromium asks
# for /favicon.ico on every new context; Warmline serves none yet, and a 404
# there says nothing about the page under test.
IGNORED_PATHS = frozenset({"/favicon.ico"})


@dataclass(frozen=True)
class Viewport:
    width: int
    height: int
    mobile: bool = False
    scale: float = 1


VIEWPORTS = {
    "desktop": Viewport(1280, 800),
    "phone": Viewport(390, 844, mobile=True, scale=2),
}


def missing_requirements() -> list[str]:
    """What the browser tests need that is not installed here (empty when ready)."""
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM}")
    if not AXE_JS.exists():
        missing.append(f"axe-core at {AXE_JS.relative_to(ROOT)}")
    return missing


# -- what went wrong on a page ---------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class PageWatch:
    """Console errors, uncaught exceptions and failed requests seen on one page.

    A failed request counts when it is for the origin of a document the page
    loaded (its own assets, its own API calls). The documents themselves do not
    count: a test that opens a 404 page checks that status itself.
    """

    page: Page
    allow: list[re.Pattern[str]] = field(default_factory=list)
    origins: set[str] = field(default_factory=set)
    documents: set[str] = field(default_factory=set)
    failed_urls: set[str] = field(default_factory=set)
    events: list[tuple[str, str]] = field(default_factory=list)  # (url or "", problem)

    def attach(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            self.events.append((url, f"console error: {message.text} ({url or 'no url'})"))

    def _page_error(self, error: PlaywrightError) -> None:
        self.events.append(("", f"uncaught exception: {error.name}: {error.message}"))

    def _response(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self.origins.add(_origin(response.url))
            self.documents.add(response.url)
        elif response.status >= 400 and _origin(response.url) in self.origins:
            self.failed_urls.add(response.url)
            self.events.append(
                (response.url, f"HTTP {response.status} for {request.method} {response.url}")
            )

    def _request_failed(self, request: PlaywrightRequest) -> None:
        failure = request.failure or ""
        # Aborted loads are what navigating away does to a page's pending requests.
        if "ERR_ABORTED" not in failure and _origin(request.url) in self.origins:
            self.events.append((request.url, f"request failed: {request.url}: {failure}"))

    def problems(self) -> list[str]:
        found = []
        for url, text in self.events:
            if urlsplit(url).path in IGNORED_PATHS:
                continue
            # Chromium also logs every failed load on the console: the response
            # is already listed, and a document's status is the test's business.
            if text.startswith("console error: Failed to load resource") and (
                url in self.failed_urls or url in self.documents
            ):
                continue
            if not any(pattern.search(text) for pattern in self.allow):
                found.append(text)
        return found


class Pages:
    """Opens pages, each in a fresh browser context (no shared cookies), and watches them."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self._contexts: list[BrowserContext] = []
        self.watches: list[PageWatch] = []
        self.reported: set[str] = set()  # the problems already checked at the end of the test

    async def __call__(
        self,
        viewport: str | Viewport = "desktop",
        *,
        allow: Iterable[str] = (),
        **context_options: Any,
    ) -> Page:
        """A new page at ``viewport`` ("desktop", "phone" or a Viewport).

        ``allow``: regular expressions for problems (console errors, failed
        requests) this page is expected to have. ``context_options`` go to
        Playwright's ``Browser.new_context``.
        """
        size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
        options: dict[str, Any] = {
            "viewport": {"width": size.width, "height": size.height},
            "device_scale_factor": size.scale,
            "is_mobile": size.mobile,
            "has_touch": size.mobile,
            "locale": "en-GB",
            "timezone_id": "UTC",
        }
        context = await self._browser.new_context(**(options | context_options))
        context.set_default_timeout(15_000)
        self._contexts.append(context)
        patterns = [re.compile(pattern) for pattern in allow]
        page = await context.new_page()
        self._watch(page, patterns)
        # Pages the page opens (target=_blank, window.open) are watched too.
        context.on("page", lambda opened: self._watch(opened, patterns))
        return page

    def _watch(self, page: Page, allow: list[re.Pattern[str]]) -> None:
        if all(watch.page is not page for watch in self.watches):
            watch = PageWatch(page, allow)
            watch.attach()
            self.watches.append(watch)

    def problems(self) -> list[str]:
        """What went wrong on any of the pages so far, each line starting with the page's URL."""
        return [f"{w.page.url}: {p}" for w in self.watches for p in w.problems()]

    async def save_screenshots(self, folder: Path) -> list[Path]:
        """A picture of every page still open (used when a test fails)."""
        saved = []
        for number, watch in enumerate(self.watches, 1):
            if watch.page.is_closed():
                continue
            path = folder / f"failure-{number}.png"
            try:
                await watch.page.screenshot(path=path, full_page=True, timeout=5_000)
            except Exception:  # a crashed or hung page: the failure says more than its picture
                continue
            saved.append(path)
        return saved

    async def close(self) -> None:
        for context in self._contexts:
            await context.close()


# -- accessibility ---------------------------------------------------------------------------

FAILING_IMPACTS = ("serious", "critical")


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text()


async def axe_violations(page: Page, **options: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; ``options`` go to ``axe.run``."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        # Evaluated rather than added as a <script> tag, so a page's
        # Content-Security-Policy cannot block it.
        await page.evaluate(_axe_source())
    result = await page.evaluate("options => axe.run(document, options)", options)
    return list(result["violations"])


def describe_violations(violations: Iterable[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    {target}: {node['html'][:200]}")
    return "\n".join(lines)


async def check_axe(
    page: Page, *, impacts: Iterable[str] = FAILING_IMPACTS, **options: Any
) -> list[dict[str, Any]]:
    """Fail listing every axe-core violation of these impacts; return all violations.

    ``options`` go to ``axe.run``, e.g. ``rules={"color-contrast": {"enabled": False}}``.
    """
    violations = await axe_violations(page, **options)
    failing = [v for v in violations if v["impact"] in set(impacts)]
    assert not failing, (
        f"axe-core found {len(failing)} serious or critical problem(s) on {page.url}:\n"
        + describe_violations(failing)
    )
    return violations


# -- screenshots -----------------------------------------------------------------------------


async def screenshot(page: Page, name: str, folder: Path, *, full_page: bool = True) -> Path:
    """Save a PNG of the page as ``folder/NAME.png`` (the folder exists) and return its path."""
    path = folder / f"{name}.png"
    await page.screenshot(path=path, full_page=full_page, animations="disabled")
    return path


# -- instances -------------------------------------------------------------------------------


@dataclass
class Instance:
    """A real ``warmline serve --dev`` process, with ways to set it up."""

    process: ServerProcess

    @property
    def base_url(self) -> str:
        return self.process.base_url

    @property
    def domain(self) -> str:
        return self.process.domain

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run a ``warmline`` command against this instance; its stdout."""
        done = self.process.cli(*args, stdin=stdin)
        if done.returncode != 0:
            raise AssertionError(f"warmline {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def create_member(
        self, username: str, *, password: str = PASSWORD, display_name: str | None = None
    ) -> Member:
        args = ["member", "create", username, "--password-stdin"]
        if display_name is not None:
            args += ["--display-name", display_name]
        self.cli(*args, stdin=password + "\n")
        return Member(self, username, password)

    def api(self, method: str, path: str, token: str, data: dict[str, Any] | None = None) -> Any:
        """One Mastodon API call with a bearer token; the decoded JSON answer."""
        request = urllib.request.Request(
            self.url(path),
            method=method,
            data=None if data is None else json.dumps(data).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)


@dataclass
class Member:
    """A local member of an Instance, with a password (to sign in) and an API token."""

    instance: Instance
    username: str
    password: str
    _token: str | None = field(default=None, repr=False)

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.instance.domain}"

    @property
    def profile_url(self) -> str:
        return self.instance.url(f"/@{self.username}")

    @property
    def token(self) -> str:
        if self._token is None:
            out = self.instance.cli("token", "create", self.username, "--scopes", "read write")
            self._token = out.strip()
        return self._token

    def update(self, *flags: str) -> None:
        """``warmline member update NAME FLAGS...``, e.g. ``update("--headline", "Chef")``."""
        self.instance.cli("member", "update", self.username, *flags)

    def post(self, text: str, **fields: Any) -> dict[str, Any]:
        """Post through the API (``fields`` as in POST /api/v1/statuses); the status.

        Its ``url`` is the post's page.
        """
        status: dict[str, Any] = self.instance.api(
            "POST", "/api/v1/statuses", self.token, {"status": text, **fields}
        )
        return status


async def sign_in(page: Page, site: Instance, username: str) -> None:
    """Sign in through the form, as a person would (the password of ``Member``s)."""
    await page.goto(site.url("/signin"))
    await page.locator("#field-username").fill(username)
    await page.locator("#field-password").fill(PASSWORD)
    await page.locator("#main button[type=submit]").click()
    await page.wait_for_url(site.url("/"))


async def fits(page: Page) -> None:
    """Nothing makes the page wider than the window (no sideways scrolling)."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"  # type: ignore[index]
