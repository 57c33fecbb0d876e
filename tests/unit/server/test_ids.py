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


def test_processes_with_different_nodes_never_make_the_same_id() -> None:
    # Two workers applying batches at once make hundreds of ids in one millisecond.
    first, second = IdGenerator(node=1), IdGenerator(node=2)
    made = [make(now_ms=1_700_000_000_000) for _ in range(3_000) for make in (first, second)]
    assert len(set(made)) == len(made)
    assert {(i >> 10) & 63 for i in made} == {1, 2}


def test_parse_takes_ascii_digits_a_64_bit_column_holds() -> None:
    from server.ids import MAX_ID, parse

    assert parse("0") == 0 and parse("117681688576460936") == 117681688576460936
    assert parse(str(MAX_ID)) == MAX_ID
    for bad in ("", "-1", "1.0", " 1", "²", "١٢", "x1", str(MAX_ID + 1), "9" * 19, "1" * 20):
        assert parse(bad) is None, bad
