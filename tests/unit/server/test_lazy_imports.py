"""Libraries that only some requests need are imported on first use, so an idle
``warmline serve`` does not keep them resident (docs/performance.md, "Start-up
and idle memory"); and they still load and work when first used."""

import subprocess
import sys

SCRIPT = """
import sys
import server.serve
import server.cli
for name in ("icalendar", "nh3", "alembic"):
    assert name not in sys.modules, f"{name} was imported with the server"
from server.services.html import sanitize_html, strip_html
assert strip_html("<b>a &amp; b</b>") == "a & b"
assert sanitize_html('<p onclick="x()">hi</p>') == "<p>hi</p>"
assert "nh3" in sys.modules
"""


def test_rarely_needed_libraries_load_on_first_use() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
