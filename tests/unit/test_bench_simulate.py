"""``python -m bench.simulate`` (the sizing simulation) accounts for every delivery.

Run as the operator runs it, in a subprocess (the test suite never imports
``bench``), on a tiny instance; its ``--json`` totals are checked against each
other and against what the chosen world must give.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TINY = ["--members", "400", "--peers", "300", "--big-peers", "5", "--hours", "0.5",
        "--start-hour", "13.5", "--report-every", "0.25", "--posts-per-member-day", "3",
        "--followers-median", "40", "--max-followers", "2000"]  # fmt: skip


def simulate(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.simulate", *TINY, *args, "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def check_accounts(t: dict) -> None:
    assert t["posts"] > 0 and t["enqueued"] > 0
    # One delivery per distinct peer of each post, one per single activity.
    assert t["enqueued"] == t["audience_deliveries"] + t["singles"]
    # Every delivery enqueued is delivered, given up or still queued ...
    queued = t["queued_first_attempts"] + t["queued_retries"]
    assert t["enqueued"] == t["delivered"] + t["given_up"] + queued
    # ... and every attempt has exactly one outcome.
    assert t["attempts"] == t["delivered"] + t["failed"] + t["given_up"]
    assert t["conserved"] is True


@pytest.mark.parametrize("experiment", [[], ["--pipeline"], ["--stop-chain"]])
def test_a_mixed_world_conserves_every_delivery(experiment: list[str]) -> None:
    # Slow, hanging, refusing and erring peers, a short retry schedule and a
    # quick circuit, so every path (retry, give up, postpone) is taken.
    t = simulate("--down-fraction", "0.2", "--slow-fraction", "0.2", "--error-rate", "0.05",
                 "--refuse-rate", "0.02", "--schedule", "5,10", "--circuit-failures", "2",
                 "--circuit-open", "120", "--delivery-workers", "2", *experiment)  # fmt: skip
    check_accounts(t)
    assert t["delivered"] and t["failed"] and t["given_up"] and t["postponed"]
    assert t["inbound"] == t["inbox_applied"]  # 150 a second drain a tiny instance


def test_healthy_peers_get_everything_at_the_first_attempt() -> None:
    t = simulate("--down-fraction", "0", "--slow-fraction", "0", "--error-rate", "0",
                 "--refuse-rate", "0", "--delivery-workers", "4")  # fmt: skip
    check_accounts(t)
    assert t["failed"] == t["given_up"] == t["postponed"] == t["queued_retries"] == 0
    assert t["attempts"] == t["delivered"] == t["enqueued"] - t["queued_first_attempts"]


def test_peers_that_are_all_down_get_nothing_and_everything_is_given_up_in_time() -> None:
    t = simulate("--big-peers", "0", "--down-fraction", "1", "--slow-fraction", "0",
                 "--timeout-share", "0", "--schedule", "1,1",
                 "--circuit-failures", "1000000")  # fmt: skip
    check_accounts(t)
    assert t["delivered"] == 0
    # Schedule "1,1": two failed attempts, then the third gives up. A retry still
    # queued has failed once or twice.
    assert t["given_up"] > 0.9 * t["enqueued"]
    retries = t["queued_retries"]
    assert 2 * t["given_up"] + retries <= t["failed"] <= 2 * t["given_up"] + 2 * retries


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    first, again, other = simulate("--seed", "3"), simulate("--seed", "3"), simulate("--seed", "4")
    assert first == again
    assert first != other
