"""A generated professional network for bench.pymk: members, connections, blocks.

Deterministic for a seed. The shape aims at what a real network looks like:

* Members belong to communities of ``COMMUNITY`` people (a company, a city's
  club); three quarters of the ordinary connections stay inside one, so
  people share mutual connections as they do in life.
* Ordinary members' connection counts are skewed (a Pareto weight, capped):
  most have a few to a few dozen connections.
* ``hubs`` super-connectors (the first, oldest members) have from ``hub_max``
  (the biggest) down to about ``hub_max / sqrt(hubs)`` connections each, to
  random members anywhere.
* Some members are suspended, and some block others.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

COMMUNITY = 250
INSIDE = 0.75
SUSPENDED = 0.005
YEARS = 3


@dataclass
class Graph:
    members: int
    edges: list[tuple[int, int, int]]  # (older member index, other index, seconds ago)
    hubs: list[int]
    suspended: list[int]
    blocks: list[tuple[int, int]]


def generate(
    members: int, connections: int, hubs: int, hub_max: int, blocks: int, seed: int
) -> Graph:
    rng = random.Random(seed)
    seen: set[int] = set()
    edges: list[tuple[int, int, int]] = []
    span = YEARS * 365 * 86_400

    def add(a: int, b: int) -> None:
        if a == b:
            return
        lo, hi = (a, b) if a < b else (b, a)
        key = lo * members + hi
        if key not in seen:
            seen.add(key)
            edges.append((lo, hi, rng.randrange(span)))

    hub_ids = list(range(min(hubs, members)))
    for rank, hub in enumerate(hub_ids):
        degree = min(int(hub_max / (rank + 1) ** 0.5), members - 1)
        start = len(edges)
        while len(edges) - start < degree:
            add(hub, rng.randrange(members))

    # Community of member i: a shuffled assignment, so communities mix old and new.
    order = list(range(members))
    rng.shuffle(order)
    community = [0] * members
    for position, member in enumerate(order):
        community[member] = position // COMMUNITY
    groups: dict[int, list[int]] = {}
    for member in range(members):
        groups.setdefault(community[member], []).append(member)
    weight = [min(rng.paretovariate(1.6), 40.0) for _ in range(members)]
    for hub in hub_ids:
        weight[hub] = 1.0  # hubs have their connections already
    cum, total = [], 0.0
    for w in weight:
        total += w
        cum.append(total)
    group_cum: dict[int, tuple[list[int], list[float]]] = {}
    for key, people in groups.items():
        acc, running = [], 0.0
        for p in people:
            running += weight[p]
            acc.append(running)
        group_cum[key] = (people, acc)

    def pick_global() -> int:
        return bisect.bisect_left(cum, rng.random() * total)

    while len(edges) < connections:
        a = pick_global()
        if rng.random() < INSIDE:
            people, acc = group_cum[community[a]]
            b = people[bisect.bisect_left(acc, rng.random() * acc[-1])]
        else:
            b = pick_global()
        add(a, b)

    suspended = rng.sample(range(len(hub_ids), members), int(members * SUSPENDED))
    block_pairs: set[tuple[int, int]] = set()
    while len(block_pairs) < blocks:
        a, b = rng.randrange(members), rng.randrange(members)
        if a != b:
            block_pairs.add((a, b))
    return Graph(members, edges, hub_ids, suspended, sorted(block_pairs))
