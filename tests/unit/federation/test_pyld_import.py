"""pyld is imported without lxml (loaded the first time it is used) and without
building its requests-based loader."""

import subprocess
import sys

SCRIPT = """
import sys
import federation.jsonld
assert "lxml.etree" not in sys.modules, "lxml was imported with pyld"
assert "requests" not in sys.modules, "pyld built its requests loader"
from pyld import jsonld
assert jsonld.lxml.html.fromstring("<p>x</p>").tag == "p"
assert "lxml.etree" in sys.modules
import lxml.html
assert lxml.html is sys.modules["lxml.html"] and hasattr(lxml.html, "document_fromstring")
import requests  # still importable by whoever needs it
assert requests.Session
"""


def test_lxml_is_loaded_only_when_pyld_needs_it() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
