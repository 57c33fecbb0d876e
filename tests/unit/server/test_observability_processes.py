"""Metrics on an address of their own and JSON logs, in real ``warmline serve``
and ``warmline worker`` processes."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import ServerProcess, _clean_env, free_port
from prometheus_client.parser import text_string_to_metric_families


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def json_lines(log: Path) -> list[dict[str, str]]:
    """Every line of the log, each parsed as one JSON object."""
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
        assert line["time"].endswith("Z") and "T" in line["time"], line
    return lines


def request_counts(text: str) -> dict[tuple[str, str], float]:
    return {
        (s.labels["route"], s.labels["status"]): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "warmline_http_requests_total"
    }


def test_a_server_serves_metrics_on_their_own_address_and_logs_json(tmp_path: Path) -> None:
    metrics_port = free_port()
    data = tmp_path / "data"
    data.mkdir()
    config = data / "warmline.toml"
    config.write_text(
        '[server]\nlog_format = "json"\n'
        f'[metrics]\nenabled = true\nlisten = "127.0.0.1:{metrics_port}"\n'
    )
    server = ServerProcess(free_port(), data, config)
    server.start()
    try:
        assert get(server.base_url + "/healthz")[0] == 200
        status, body = get(server.base_url + "/metrics")
        assert status == 404 and "error" in json.loads(body)  # not on the app's own address
        status, body = get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        counts = request_counts(body)
        assert counts[("/healthz", "200")] == 1
        assert counts[("(unmatched)", "404")] == 1
        assert "warmline_queue_waiting" in body
    finally:
        server.stop()
    lines = json_lines(server.log)
    started = [x for x in lines if "listening on" in x["message"]]
    assert started and started[0]["level"] == "INFO" and started[0]["logger"] == "warmline"
    assert any(x["logger"] == "aiohttp.access" and "/healthz" in x["message"] for x in lines)
    assert any(f"127.0.0.1:{metrics_port}/metrics" in x["message"] for x in lines)


def test_a_worker_serves_metrics_on_its_own_address_and_logs_json(tmp_path: Path) -> None:
    metrics_port = free_port()
    data = tmp_path / "data"
    data.mkdir()
    config = data / "warmline.toml"
    config.write_text("[metrics]\nenabled = true\n")
    env = {**_clean_env(), "WARMLINE_METRICS_LISTEN": f"127.0.0.1:{metrics_port}"}
    log = tmp_path / "worker.log"
    flags = ["--dev", "--domain", "w.test", "--data", str(data), "--config", str(config)]
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "server", "worker", "--log-format", "json", *flags],
            stdout=subprocess.DEVNULL, stderr=out, env=env,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while b"Warmline worker for" not in log.read_bytes():
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        status, body = get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert status == 200
        assert 'warmline_deliveries_total{outcome="delivered"} 0.0' in body
        assert 'warmline_queue_waiting{queue="deliveries"} 0.0' in body
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert any("worker stopping" in x["message"] for x in json_lines(log))


def test_a_metrics_address_in_use_stops_the_server_with_one_line(tmp_path: Path) -> None:
    server = ServerProcess(free_port(), tmp_path / "data")
    server.data.mkdir()
    server.config_file = server.data / "warmline.toml"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server.config_file.write_text(f'[metrics]\nenabled = true\nlisten = "127.0.0.1:{port}"\n')
        done = subprocess.run(
            [sys.executable, "-m", "server", "serve", *server.flags()],
            capture_output=True, text=True, timeout=60, env=_clean_env(),
        )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"warmline: error: [metrics] listen: cannot listen on 127.0.0.1:{port}"
    )


def test_a_metrics_address_in_use_stops_a_worker_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = data / "warmline.toml"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config.write_text(f'[metrics]\nenabled = true\nlisten = "127.0.0.1:{port}"\n')
        flags = ["--dev", "--domain", "w.test", "--data", str(data), "--config", str(config)]
        done = subprocess.run(
            [sys.executable, "-m", "server", "worker", *flags],
            capture_output=True, text=True, timeout=60, env=_clean_env(),
        )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"warmline: error: [metrics] listen: cannot listen for metrics on 127.0.0.1:{port}"
    )
