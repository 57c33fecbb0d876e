"""The Mastodon client API (and Warmline's extensions under /api/v1/warmline)."""
