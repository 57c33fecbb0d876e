"""The metrics one process keeps, and the cheap calls that update them.

Every update on a request's path is a dictionary lookup of label children
made once (per route and status, per reason, per outcome): no label strings
are built per request. Routes are labelled with the aiohttp resource's
pattern (``/users/{username}/inbox``), never the path asked for: paths are
unbounded, patterns are not; anything no route matched is ``(unmatched)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from server.metrics.state import StateCollector

if TYPE_CHECKING:
    from server.services.context import Services

UNMATCHED = "(unmatched)"
# Why a delivery to one of our inboxes was refused (server/ap/inbox.py).
REFUSAL_REASONS = (
    "too_large", "bad_json", "schema", "signature", "blocked", "rate_limited",
    "origin", "refused", "no_such_inbox", "invalid",
)  # fmt: skip
# What became of one delivery attempt (server/workers/delivery.py).
DELIVERY_OUTCOMES = ("delivered", "retry", "gave_up", "blocked", "postponed")
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip


class Metrics:
    def __init__(self, cache_seconds: float = 5.0) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._requests = Counter(
            "warmline_http_requests",
            "HTTP requests answered, by route pattern, method and status.",
            ["route", "method", "status"],
            registry=r,
        )
        self._latency = Histogram(
            "warmline_http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route pattern and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        refusals = Counter(
            "warmline_inbox_refusals",
            "Deliveries to our inboxes refused, by reason.",
            ["reason"],
            registry=r,
        )
        self._refusals = {reason: refusals.labels(reason) for reason in REFUSAL_REASONS}
        deliveries = Counter(
            "warmline_deliveries",
            "Delivery attempts by outcome (postponed: the host's circuit was open; blocked: "
            "the host is blocked, dropped).",
            ["outcome"],
            registry=r,
        )
        self._deliveries = {outcome: deliveries.labels(outcome) for outcome in DELIVERY_OUTCOMES}
        self.state = StateCollector(cache_seconds)
        r.register(self.state)
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        self._by_route: dict[tuple[Any, int], tuple[Any, Any]] = {}

    def bind(self, svc: Services) -> None:
        """Read the database, the pool and the streams of ``svc`` when scraped."""
        self.state.svc = svc

    def request(self, route: Any, status: int, seconds: float) -> None:
        """One answered request; ``route`` is aiohttp's matched route (None: none)."""
        key = (route, status)
        children = self._by_route.get(key)
        if children is None:
            children = self._children(route, status)
        children[0].inc()
        children[1].observe(seconds)

    def _children(self, route: Any, status: int) -> tuple[Any, Any]:
        if route is None:
            pattern, method = UNMATCHED, ""
        else:
            pattern, method = route.resource.canonical, route.method
        children = (
            self._requests.labels(pattern, method, str(status)),
            self._latency.labels(pattern, method),
        )
        self._by_route[(route, status)] = children
        return children

    def refused(self, reason: str) -> None:
        self._refusals[reason].inc()

    def delivered(self, outcome: str, count: int = 1) -> None:
        if count:
            self._deliveries[outcome].inc(count)

    async def exposition(self) -> bytes:
        """The text format, with the database figures at most ``cache_seconds`` old."""
        await self.state.refresh()
        return generate_latest(self.registry)
