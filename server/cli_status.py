"""``warmline status``: how the queues, the processes and the peers stand, read
from the database the servers use (``store/status.py``); ``--json`` for machines."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from server.cli_shared import CliError, config_flags, with_db
from server.config import Config
from server.store import Database
from server.store import status as status_q
from server.store.queues import DEAD_AFTER

Command = Callable[[argparse.Namespace, Config], int]
if TYPE_CHECKING:
    SubParsers = argparse._SubParsersAction[argparse.ArgumentParser]

ERROR_WIDTH = 90  # longer errors are shortened in the table (--json has them whole)


def add_parsers(commands: SubParsers, parser_class: type[argparse.ArgumentParser]) -> None:
    del parser_class  # no sub-commands
    status = commands.add_parser(
        "status", help="print the queues, the worker processes, failing peers and recent errors"
    )
    status.add_argument(
        "--errors", type=int, default=10, metavar="N", help="recent errors of each queue (10)"
    )
    status.add_argument(
        "--hosts", type=int, default=20, metavar="N", help="failing peer hosts to list (20)"
    )
    status.add_argument("--json", action="store_true", help="one JSON object")
    config_flags(status)


async def _read(db: Database, errors: int, hosts: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    async with db.read() as conn:
        return {
            "now": now,
            "queues": await status_q.queue_states(conn, now),
            "processes": await status_q.process_rows(conn),
            "hosts": await status_q.troubled_hosts(conn, now, hosts),
            "errors": await status_q.recent_errors(conn, errors),
        }


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    if args.errors < 0 or args.hosts < 0:
        raise CliError("--errors and --hosts take a number of 0 or more")
    url = make_url(config.effective_database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        raise CliError(f"no database at {url.database}: is --data (or --database-url) right?")
    found = with_db(config, lambda db: _read(db, args.errors, args.hosts))
    if args.json:
        print(json.dumps(_as_json(found), default=_json_value))
    else:
        print("\n".join(_as_text(found)))
    return 0


def _as_json(found: dict[str, Any]) -> dict[str, Any]:
    now = found["now"]
    return {
        "now": now,
        "queues": [asdict(q) for q in found["queues"]],
        "processes": [
            {**asdict(p), "alive": now - p.heartbeat_at <= DEAD_AFTER} for p in found["processes"]
        ],
        "hosts": [asdict(h) for h in found["hosts"]],
        "errors": [asdict(e) for e in found["errors"]],
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    raise TypeError(f"{type(value).__name__} is not JSON")


def _as_text(found: dict[str, Any]) -> list[str]:
    now: datetime = found["now"]
    lines = ["Queues"]
    lines += _table(
        ("QUEUE", "WAITING", "DUE NOW", "IN PROGRESS", "FAILED", "OLDEST WAITING", "MOST OVERDUE"),
        [
            (
                q.name, str(q.waiting), str(q.due), str(q.claimed), str(q.failed),
                _age(now, q.oldest_waiting), _age(now, q.oldest_due),
            )
            for q in found["queues"]
        ],
        numeric=(1, 2, 3, 4),
    )  # fmt: skip
    lines += ["", "Processes working the queues"]
    processes = found["processes"]
    lines += _table(
        ("NAME", "STARTED", "LAST HEARTBEAT"),
        [
            (
                p.name or f"process {p.id}",
                _when(p.started_at),
                f"{_age(now, p.heartbeat_at)} ago"
                + ("" if now - p.heartbeat_at <= DEAD_AFTER else " (not beating: taken for dead)"),
            )
            for p in processes
        ],
        empty="none registered (no server or worker is running its queue workers)",
    )
    lines += ["", "Peer hosts backing off, with an open circuit, or given up on (24 h)"]
    lines += _table(
        ("HOST", "STATE", "FAILURES", "LAST SUCCESS", "LAST FAILURE", "GIVEN UP", "LAST ERROR"),
        [
            (
                h.host,
                h.state + (f" until {_when(h.circuit_open_until)}" if h.circuit_open_until else ""),
                str(h.consecutive_failures),
                _when(h.last_success_at),
                _when(h.last_failure_at),
                str(h.given_up),
                _short(h.last_error),
            )
            for h in found["hosts"]
        ],
        numeric=(2, 5),
        empty="none",
    )
    lines += ["", "Recent errors (newest first)"]
    lines += _table(
        ("QUEUE", "STATE", "ATTEMPTS", "WHEN", "WHAT", "ERROR"),
        [
            (
                e.queue,
                e.state,
                str(e.attempts),
                ("given up " if e.state != "pending" else "retry at ") + _when(e.at),
                e.what,
                _short((f"HTTP {e.status}: " if e.status else "") + (e.error or "")),
            )
            for e in found["errors"]
        ],
        numeric=(2,),
        empty="none",
    )
    return lines


def _table(
    head: Sequence[str],
    rows: list[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    empty: str = "",
) -> list[str]:
    """Rows in aligned columns under their headings (numbers to the right)."""
    if not rows:
        return [f"  {empty}"]
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return ("  " + "  ".join(parts)).rstrip()

    return [line(head), *(line(r) for r in rows)]


def _age(now: datetime, then: datetime | None) -> str:
    if then is None:
        return "-"
    seconds = max(int((now - then).total_seconds()), 0)
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} d {hours % 24} h"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _short(text: str | None) -> str:
    flat = " ".join((text or "-").split())
    return flat if len(flat) <= ERROR_WIDTH else flat[: ERROR_WIDTH - 1] + "…"


COMMANDS: dict[str, Command] = {"status": cmd_status}
