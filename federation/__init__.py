"""Warmline's ActivityPub protocol library.

Pure functions and small classes for HTTP signatures, keys, JSON-LD, the
ActivityStreams vocabulary, schema validation, WebFinger and safe remote
fetches. It takes its I/O (HTTP sessions, key lookups, clocks) as arguments
and never imports ``server``.
"""
