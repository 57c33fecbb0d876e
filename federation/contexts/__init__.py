"""Bundled JSON-LD context documents; the server never fetches a remote @context."""
