"""py-spy helpers: record a server under load, and summarise the raw (collapsed) stacks.

py-spy is not a project dependency; install it in a scratch dir::

    .venv/bin/pip install --target /tmp/pyspy py-spy    # then --py-spy /tmp/pyspy/bin/py-spy

``python -m bench._pyspy FILE.txt [--top 25] [--match server.store]`` prints the
summary of a ``py-spy record --format raw`` file: samples per thread, the
functions with the most *self* samples, the functions present in the most stacks
(*inclusive*), and, with ``--match``, the inclusive share of frames whose file
contains the given strings.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path

DEFAULT_PATHS = ("/tmp/pyspy/bin/py-spy",)


def find_py_spy(explicit: str | None = None) -> str | None:
    """``explicit``, else ``py-spy`` on PATH, else the scratch install in /tmp/pyspy."""
    if explicit:
        return explicit if Path(explicit).exists() else None
    found = shutil.which("py-spy")
    if found:
        return found
    return next((p for p in DEFAULT_PATHS if Path(p).exists()), None)


def record(
    py_spy: str, pid: int, output: Path, *, rate: int = 250, gil: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``py-spy record`` (raw format, per-thread stacks) on ``pid``; ``stop()`` it."""
    cmd = [
        py_spy,
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--output",
        str(output),
        "--rate",
        str(rate),
        "--threads",
    ]
    if gil:
        cmd.append("--gil")
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT makes py-spy write its output and exit."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _frame_key(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['func']} ({match['file']})"


def load(path: Path) -> list[tuple[list[str], int]]:
    """(frames root→leaf, samples) per collapsed line."""
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def summarize(path: Path, top: int = 25, match: list[str] | None = None) -> str:
    stacks = load(path)
    total = sum(n for _, n in stacks) or 1
    threads: Counter[str] = Counter()
    self_t: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for frames, n in stacks:
        thread = frames[0] if frames and frames[0].startswith("thread ") else "?"
        body = frames[1:] if thread != "?" else frames
        threads[_thread_label(thread, body)] += n
        if body:
            self_t[_frame_key(body[-1])] += n
        for key in {_frame_key(f) for f in body}:
            incl[key] += n
        for needle in match or []:
            if any(needle in f for f in body):
                groups[needle] += n
    out = [f"{path.name}: {total} samples (active threads only)", "", "by thread:"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in threads.most_common()]
    out += ["", f"top {top} self:"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in self_t.most_common(top)]
    out += ["", f"top {top} inclusive:"]
    out += [f"  {n / total:6.1%}  {name}" for name, n in incl.most_common(top)]
    if match:
        out += ["", "inclusive, frames whose text contains:"]
        out += [f"  {groups[m] / total:6.1%}  {m}" for m in match]
    return "\n".join(out)


def _thread_label(thread: str, body: list[str]) -> str:
    """Name a thread: the main thread (event loop), aiosqlite's connection threads, other."""
    name = thread.partition("): ")[2]
    if name == "MainThread":
        return "main thread (event loop)"
    if "_connection_worker_thread" in name or "aiosqlite" in ";".join(body[:6]):
        return "aiosqlite connection threads"
    return f"other ({name or thread})"


# Which library a sample's innermost frame is in (py-spy shortens file names to the
# part after the sys.path entry, e.g. "sqlalchemy/engine/base.py").
LAYERS = [
    ("SQLAlchemy (Core, pool, result)", ("sqlalchemy/",)),
    ("aiosqlite (thread hand-off, main side)", ("aiosqlite/",)),
    ("greenlet", ("greenlet/",)),
    ("aiohttp (HTTP parsing, handlers, responses)", ("aiohttp/", "multidict/", "yarl/")),
    ("asyncio event loop, selectors", ("asyncio/", "selectors.py")),
    ("jsonschema validation", ("jsonschema/", "referencing/", "rpds/")),
    ("json encode/decode", ("json/",)),
    ("federation/ (httpsig, jsonld, keys, ...)", ("federation/",)),
    ("cryptography, hashlib, base64", ("cryptography/", "hashlib.py", "base64.py", "hmac.py")),
    ("logging", ("logging/",)),
    ("server/ (Warmline code)", ("server/", "inbox.py (", "signatures.py (", "middleware.py")),
]


def _layer(frame: str) -> str:
    for label, needles in LAYERS:
        if any(n in frame for n in needles):
            return label
    match = _FRAME.match(frame.strip())
    return f"other: {match['file'] if match else frame.strip()[:40]}"


def layers(path: Path, thread_name: str = "MainThread") -> str:
    """Samples of one thread by the library of the innermost frame (self time)."""
    counts: Counter[str] = Counter()
    for frames, n in load(path):
        if frames and thread_name not in frames[0]:
            continue
        body = frames[1:]
        counts[_layer(body[-1]) if body else "(no Python frame: C code, greenlet switch)"] += n
    total = sum(counts.values()) or 1
    lines = [f"{thread_name} self time by library ({total} samples):"]
    lines += [f"  {n / total:6.1%}  {label}" for label, n in counts.most_common()]
    return "\n".join(lines)


def phases(
    path: Path, rules: list[tuple[str, tuple[str, ...]]], thread_name: str = "MainThread"
) -> str:
    """Samples of one thread by the first rule any of whose substrings occurs in the stack.

    Stacks that py-spy sees starting inside a greenlet (SQLAlchemy's sync half of
    an async call) have lost their callers; they are counted on their own line.
    """
    counts: Counter[str] = Counter()
    for frames, n in load(path):
        if frames and thread_name not in frames[0]:
            continue
        body = frames[1:]
        text = ";".join(body)
        if not body:
            label = "(no Python frame: C code, greenlet switch)"
        elif not any("BaseEventLoop._run_once" in f for f in body):
            label = "SQLAlchemy sync half, run in a greenlet (caller not visible)"
        else:
            label = next(
                (lab for lab, needles in rules if any(x in text for x in needles)),
                "other (event loop, aiohttp outside handlers)",
            )
        counts[label] += n
    total = sum(counts.values()) or 1
    lines = [f"{thread_name} samples by phase ({total} samples):"]
    lines += [f"  {n / total:6.1%}  {label}" for label, n in counts.most_common()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench._pyspy", description=__doc__.split("\n")[0]
    )
    parser.add_argument("file", type=Path, help="a py-spy record --format raw output")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", nargs="*", default=[], help="substrings to total up")
    args = parser.parse_args(argv)
    print(summarize(args.file, args.top, args.match))


if __name__ == "__main__":
    main()
