"""End-to-end browser tests: Playwright (async API) driving Debian's Chromium,
headless, against real ``warmline serve --dev`` processes. Helpers live in
tests/browserkit.py; ``bash tests/setup.sh`` installs Chromium and axe-core.

Event loops: every async test and fixture here runs in pytest-asyncio's
*session* loop, because one Chromium is launched for the whole session and
Playwright's objects belong to the loop that made them. The tests are marked
for it below; an async fixture of your own needs
``@pytest_asyncio.fixture(loop_scope="session")`` (any scope). A test that
uses an async fixture running in another loop (``in_process``, ``db``, ...)
fails at set-up saying so.

After each test that opened pages, their console errors, uncaught exceptions
and failed same-origin requests must be none: allow some with
``new_page(allow=[regex])``, or all with ``@pytest.mark.browser_errors_ok``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import browserkit
import pytest
import pytest_asyncio
from browserkit import Instance, Pages
from conftest import ServerProcess, start_on_a_free_port

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

HERE = Path(__file__).resolve().parent
LOOP = "session"
API_UNLIMITED = "\n[api]\nrate_limit_requests = 0\nrate_limit_requests_per_account = 0\n"
REPORT = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run this folder's async tests in the session loop (this hook sees every item),
    and each module's tests in one test worker (``--dist loadgroup``): its
    ``module_instance`` servers are then started once, and Chromium only in the
    workers that get browser tests."""
    marker = pytest.mark.asyncio(loop_scope=LOOP)
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.xdist_group(f"browser:{item.path.name}"))
            if pytest_asyncio.is_async_test(item):
                item.add_marker(marker, append=False)


def _async_fixtures_in_other_loops(item: pytest.Item) -> list[str]:
    # pytest-asyncio records a fixture's loop scope as ``_loop_scope`` on its
    # function; an async fixture without one runs in the default (function) loop.
    info = getattr(item, "_fixtureinfo", None)
    wrong = []
    for name, defs in info.name2fixturedefs.items() if info else []:
        func = defs[-1].func
        is_async = inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)
        if is_async and getattr(func, "_loop_scope", None) != LOOP:
            wrong.append(name)
    return sorted(wrong)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if wrong := _async_fixtures_in_other_loops(item):
        pytest.fail(
            f"browser tests run in the session event loop, but these async fixtures do not: "
            f"{', '.join(wrong)}. Define your own with "
            '@pytest_asyncio.fixture(loop_scope="session"); start servers with `instance`.',
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test that passed still fails if its pages logged errors or failed to load assets."""
    result = yield
    pages = getattr(item, "funcargs", {}).get("new_page")
    if isinstance(pages, Pages):
        problems = pages.problems()
        pages.reported = set(problems)
        _fail_on_problems(item, problems)
    return result


def _fail_on_problems(item: pytest.Item, problems: list[str], when: str = "") -> None:
    if problems and not item.get_closest_marker("browser_errors_ok"):
        pytest.fail(
            f"problems on the test's pages{when} (allow expected ones with"
            " new_page(allow=[...]) or @pytest.mark.browser_errors_ok):\n  "
            + "\n  ".join(problems),
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    report = yield
    item.stash.setdefault(REPORT, {})[report.when] = report
    return report


def _unavailable(what: list[str]) -> None:
    message = f"browser tests need {' and '.join(what)}: bash tests/setup.sh installs them"
    if os.environ.get("WARMLINE_TEST_BROWSER") == "required":
        pytest.fail(f"{message} (WARMLINE_TEST_BROWSER=required)", pytrace=False)
    pytest.skip(message)


@pytest_asyncio.fixture(scope="session", loop_scope=LOOP)
async def browser() -> AsyncIterator[Browser]:
    """One headless Debian Chromium for the whole session.

    Skipped when it (or Playwright, or axe-core) is not installed, unless
    WARMLINE_TEST_BROWSER=required (CI sets it): then these tests fail instead.
    """
    if missing := browserkit.missing_requirements():
        _unavailable(missing)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(browserkit.CHROMIUM),
            headless=True,
            args=browserkit.CHROMIUM_ARGS,
        )
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope=LOOP)
async def new_page(
    browser: Browser, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Pages]:
    """``await new_page("phone")``: a new page (own context) at "desktop" or "phone" size.

    When the test fails, a picture of each open page is saved in its tmp_path.
    """
    pages = Pages(browser)
    yield pages
    call = request.node.stash.get(REPORT, {}).get("call")
    if call is not None and call.failed:
        for path in await pages.save_screenshots(tmp_path):
            print(f"screenshot of a page at the failure: {path}")
    await pages.close()  # a round trip: events still on their way arrive
    if call is not None and call.passed:
        late = [problem for problem in pages.problems() if problem not in pages.reported]
        _fail_on_problems(request.node, late, " after the test's last step")


@pytest_asyncio.fixture(loop_scope=LOOP)
async def page(new_page: Pages) -> Page:
    """A desktop-sized page."""
    return await new_page()


@pytest.fixture
def instance(server_process: Callable[..., ServerProcess]) -> Callable[..., Instance]:
    """``instance()`` starts a fresh ``warmline serve --dev`` (stopped after the test).

    Takes the ``server_process`` arguments: a name (its data folder) and TOML text.
    """

    def start(name: str = "a", config_text: str | None = None) -> Instance:
        return Instance(server_process(name, config_text))

    return start


@pytest.fixture(scope="module")
def module_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Instance]]:
    """Like ``instance``, but shared by a module's tests (for tests that only look).

    Saves the few seconds a server and its members take to set up, per test.
    """
    started: list[ServerProcess] = []

    def start(name: str = "shared", config_text: str = "") -> Instance:
        data = tmp_path_factory.mktemp(name)
        config_file = data / "warmline.toml"
        # As server_process: no API rate limit unless asked.
        config_file.write_text(config_text + ("" if "[api]" in config_text else API_UNLIMITED))
        return Instance(start_on_a_free_port(data, config_file, started))

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def check_axe() -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    """``await check_axe(page)``: fails listing serious and critical axe-core violations."""
    return browserkit.check_axe


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[..., Awaitable[Path]]:
    """``await screenshot(page, "profile-phone")``: a full-page PNG.

    Into docs/screenshots/ when WARMLINE_SCREENSHOTS=1, else into the test's
    tmp_path, so that running the suite never changes the repository.
    """
    folder = browserkit.SCREENSHOTS if os.environ.get("WARMLINE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    async def take(page: Page, name: str, *, full_page: bool = True) -> Path:
        return await browserkit.screenshot(page, name, folder, full_page=full_page)

    return take
