"""Snowflake ids sort by time and never repeat within a process."""

from __future__ import annotations

from server.ids import IdGenerator, id_from_time, id_time_ms


def test_ids_increase_even_within_one_millisecond() -> None:
    make = IdGenerator()
    ids = [make(now_ms=1_700_000_000_000) for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_encode_their_time_and_survive_a_clock_step_back() -> None:
    make = IdGenerator()
    first = make(now_ms=1_700_000_000_500)
    assert id_time_ms(first) == 1_700_000_000_500
    assert id_from_time(1_700_000_000_500) <= first < id_from_time(1_700_000_000_501)
    assert make(now_ms=1_700_000_000_000) > first
    assert first < 2**63
