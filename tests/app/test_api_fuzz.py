"""A property-based run of the whole API: schemathesis generates requests from the
served OpenAPI description, for every operation, and no answer may be a 5xx.

The app runs in this test's event loop on a real loopback port, with members,
posts, connections and an introduction already there; schemathesis (which is
synchronous) runs in a thread. Path ids are drawn from the records that exist
as well as generated, so the handlers get past "not found" too.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import requests
import schemathesis
from aiohttp import web
from conftest import free_port
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from server.app import create_app
from server.appkeys import DB
from server.config import ApiSettings, load_config, with_overrides
from server.services import members, tokens

pytestmark = pytest.mark.slow
# Per operation and generation mode: about 15 s per database. WARMLINE_FUZZ_EXAMPLES=200
# runs a deeper search by hand.
MAX_EXAMPLES = int(os.environ.get("WARMLINE_FUZZ_EXAMPLES", "12"))
W = "/api/v1/warmline"


async def _seed(base: str, tokens_by_name: dict[str, str]) -> list[str]:
    """Posts, follows, connections, an introduction and a recommendation; their ids."""
    import aiohttp

    ids: list[str] = []

    async with aiohttp.ClientSession(base) as http:

        async def call(who: str, method: str, path: str, **kw: Any) -> Any:
            headers = {"Authorization": f"Bearer {tokens_by_name[who]}"}
            async with http.request(method, path, headers=headers, **kw) as resp:
                assert resp.status == 200, await resp.text()
                found = await resp.json()
                if isinstance(found, dict) and "id" in found:
                    ids.append(found["id"])
                return found

        me = await call("ann", "GET", "/api/v1/accounts/verify_credentials")
        bea = await call("bea", "GET", "/api/v1/accounts/verify_credentials")
        cal = await call("cal", "GET", "/api/v1/accounts/verify_credentials")
        await call("ann", "PATCH", "/api/v1/accounts/update_credentials",
                   json={"warmline": {"skills": ["Python"], "headline": "Founder"}})  # fmt: skip
        post = await call("ann", "POST", "/api/v1/statuses", json={"status": "Hi @bea #tag"})
        await call("bea", "POST", "/api/v1/statuses",
                   json={"status": "reply", "in_reply_to_id": post["id"]})  # fmt: skip
        await call("bea", "POST", f"/api/v1/accounts/{me['id']}/follow")
        request = await call("ann", "POST", f"{W}/connections", json={"account_id": bea["id"]})
        await call("bea", "POST", f"{W}/connection_requests/{request['id']}/accept")
        request = await call("bea", "POST", f"{W}/connections", json={"account_id": cal["id"]})
        await call("cal", "POST", f"{W}/connection_requests/{request['id']}/accept")
        await call("ann", "POST", f"{W}/introductions",
                   json={"target_account_id": cal["id"], "via_account_id": bea["id"],
                         "reason": "to talk"})  # fmt: skip
        await call("bea", "POST", f"{W}/recommendations",
                   json={"account_id": me["id"], "text": "Great"})  # fmt: skip
        await call("bea", "POST", f"{W}/endorsements",
                   json={"account_id": me["id"], "skill": "python"})  # fmt: skip
        notes = await call("ann", "GET", "/api/v1/notifications?warmline=true")
        ids += [n["id"] for n in notes]
    return sorted(set(ids))


def _fuzz(base: str, token: str, known_ids: list[str]) -> tuple[list[str], Counter[int]]:
    """Run every operation in both generation modes: the failures, described, and how
    many answers of each status there were."""
    schema = schemathesis.openapi.from_url(f"{base}/api/openapi.json")
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    settings = hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        print_blob=True,
    )
    real = st.none() | st.sampled_from(known_ids)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @settings
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode), real_id=real)
            def run(case: schemathesis.Case, real_id: str | None) -> None:
                if real_id is not None and case.path_parameters:
                    case.path_parameters = {name: real_id for name in case.path_parameters}
                response = case.call_and_validate(
                    base_url=base, session=session, headers=auth, checks=[not_a_server_error]
                )
                statuses[response.status_code] += 1

            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                continue  # nothing to generate in this mode (no parameters to get wrong)
            except Exception as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures, statuses


async def test_no_generated_request_gets_a_server_error(
    tmp_path: Path, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    config = load_config(
        environ={}, dev=True, domain=f"127.0.0.1:{port}", listen=f"127.0.0.1:{port}",
        data=str(tmp_path / "data"), database_url=database_url,
    )  # fmt: skip
    config = with_overrides(config, api=ApiSettings.without_request_limits())
    app = create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        found: dict[str, str] = {}
        for name in ("ann", "bea", "cal"):
            await members.create_member(app[DB], name)
            found[name] = await tokens.create_token(app[DB], name)
        known = await _seed(config.base_url, found)
        with caplog.at_level(logging.ERROR):
            failures, statuses = await asyncio.to_thread(
                _fuzz, config.base_url, found["ann"], known
            )
        assert not failures, "\n\n".join(failures)
        # The run did reach the handlers: successes as well as refusals.
        assert statuses[200] > 100 and sum(statuses.values()) > 1000, statuses
        print("answers by status:", dict(sorted(statuses.items())))
    finally:
        await runner.cleanup()
