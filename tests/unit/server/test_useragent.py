"""A browser's User-Agent in a few words, for the list of sessions."""

from __future__ import annotations

import pytest

from server.web.useragent import Device, describe

AGENTS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36": Device("Chrome", "Windows", "computer"),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87": Device("Edge", "Windows", "computer"),
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15": Device("Safari", "macOS", "computer"),
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0": Device(
        "Firefox", "Linux", "computer"
    ),
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1": Device("Chrome", "iPhone", "phone"),
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.71 Mobile Safari/537.36": Device("Chrome", "Android", "phone"),
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36": Device(
        "Samsung Internet", "Android", "phone"
    ),
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36": Device("Chrome", "ChromeOS", "computer"),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0": Device("Opera", "Windows", "computer"),
    "curl/8.5.0": Device("", "", "computer"),
    "": Device("", "", "computer"),
}


@pytest.mark.parametrize("agent", list(AGENTS))
def test_describe(agent: str) -> None:
    assert describe(agent) == AGENTS[agent]
