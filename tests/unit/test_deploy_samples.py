"""The deploy/ samples stay in step with the code: every command they run is one
``warmline`` accepts, the compose file keeps its services and sandbox, and the
several-process units keep warmline.service's hardening. (Docker and systemd
checked them once by hand: ``docker-compose config``, ``systemd-analyze verify``.)"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from server.cli import build_parser
from server.config import load_config

DEPLOY = Path(__file__).parents[2] / "deploy"
WARMLINE_SERVICES = ("migrate", "web", "worker")


def parses(argv: list[str]) -> None:
    build_parser().parse_args(argv)  # exits (SystemExit) on anything it refuses


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "docker-compose.yml").read_text()))


def test_compose_runs_postgres_web_processes_workers_and_a_proxy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", *WARMLINE_SERVICES[1:], "proxy"}
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["web"]["command"][:2] == ["serve", "--no-workers"]
    assert services["web"]["deploy"]["replicas"] >= 2
    assert services["worker"]["command"][0] == "worker"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    for name in WARMLINE_SERVICES:
        service = services[name]
        parses(service["command"])
        assert service["environment"]["WARMLINE_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "warmline-data:/data" in service["volumes"]  # media shared by all
    for name in (*WARMLINE_SERVICES, "proxy"):
        service = services[name]
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]


def test_compose_config_and_proxy_fit_the_network(compose: dict[str, Any]) -> None:
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    config = load_config(
        config_file=str(DEPLOY / "compose.toml"),
        environ={"WARMLINE_DOMAIN": "example.org", "WARMLINE_DATA": "/data"},
    )
    assert [str(n) for n in config.trusted_proxies] == [subnet]
    caddyfile = (DEPLOY / "compose.Caddyfile").read_text()
    assert "name web" in caddyfile and "port 8080" in caddyfile  # the image listens on 8080


def exec_start(unit: str) -> list[str]:
    lines = (DEPLOY / unit).read_text().splitlines()
    (line,) = [x for x in lines if x.startswith("ExecStart=")]
    argv = shlex.split(line.removeprefix("ExecStart=").replace("%i", "8081"))
    assert argv[0] == "/opt/warmline/venv/bin/warmline"
    return argv[1:]


def hardening(unit: str) -> set[str]:
    text = (DEPLOY / unit).read_text()
    part = text[text.index("# --- Files") :].split("[Install]")[0]
    return {x for x in part.splitlines() if x and not x.startswith("#")}


@pytest.mark.parametrize(
    ("unit", "starts"),
    [
        ("warmline.service", ["serve"]),
        ("warmline-web@.service", ["serve", "--no-workers", "--listen", "127.0.0.1:8081"]),
        ("warmline-worker@.service", ["worker"]),
        ("warmline-migrate.service", ["db", "migrate"]),
    ],
)
def test_units_run_real_commands_with_the_same_hardening(unit: str, starts: list[str]) -> None:
    argv = exec_start(unit)
    assert argv[: len(starts)] == starts
    parses(argv)
    assert hardening(unit) == hardening("warmline.service")
