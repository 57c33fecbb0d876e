"""Prometheus metrics of one process (``[metrics] enabled = true``).

Each process (``warmline serve``, ``warmline worker``) counts what it does and
serves its own figures, in a registry of its own (never the library's global
one); Prometheus scrapes each process. Queue depths, host states and the like
are read from the database when scraped, at most every ``cache_seconds``.
``prometheus_client`` is imported only when metrics are on.
"""

from server.metrics.registry import DELIVERY_OUTCOMES, REFUSAL_REASONS, Metrics

__all__ = ["DELIVERY_OUTCOMES", "REFUSAL_REASONS", "Metrics"]
