"""JSON log lines (server/logs.py): one object a line, exception text included."""

from __future__ import annotations

import io
import json
import logging

from server.logs import JsonFormatter


def test_a_json_line_has_time_level_logger_message_and_the_exception() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("warmline.test_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("delivery %s to %s: %s", 7, "https://b.test/inbox", "timed out")
        try:
            raise ValueError("bad\\nthing")
        except ValueError:
            logger.exception("unhandled error in %s", "POST /inbox")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["logger"] == "warmline.test_logs"
    assert first["message"] == "delivery 7 to https://b.test/inbox: timed out"
    assert first["time"].endswith("Z") and "exception" not in first
    assert second["level"] == "ERROR" and second["message"] == "unhandled error in POST /inbox"
    assert second["exception"].startswith("Traceback") and "ValueError" in second["exception"]
