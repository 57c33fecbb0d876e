"""A browser's User-Agent in a few words ("Firefox on Windows"), for the list of
sessions. Deliberately small: the name of the browser and of the system is all a
member needs to recognise a session; anything unusual is named as it is not known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", and the
# iOS browsers say "Safari" with their own token before it.
_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\b(?:OPR|Opera)/")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Vivaldi", re.compile(r"\bVivaldi/")),
    ("Firefox", re.compile(r"\b(?:Firefox|FxiOS)/")),
    ("Chrome", re.compile(r"\b(?:HeadlessChrome|Chrome|CriOS)/")),
    ("Chromium", re.compile(r"\bChromium/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
)
_SYSTEMS = (
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
)


@dataclass(frozen=True, slots=True)
class Device:
    browser: str  # "" when not recognised
    system: str  # "" when not recognised
    kind: str  # "phone", "tablet" or "computer"


def _kind(system: str, user_agent: str) -> str:
    if system == "iPhone" or (system == "Android" and "Mobile" in user_agent):
        return "phone"
    if system in ("iPad", "Android"):
        return "tablet"
    return "computer"


def describe(user_agent: str) -> Device:
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if pattern.search(user_agent)), "")
    return Device(browser, system, _kind(system, user_agent))
