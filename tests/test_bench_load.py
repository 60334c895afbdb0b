"""The load benchmark's own arithmetic (the run itself is a benchmark, never part of the tests)."""
from __future__ import annotations

from bench.load import BURST, Pace, Session, most_at_once


def _s(began, ended) -> Session:
    return Session("u", began=began, ended=ended)


def test_sessions_in_progress_at_once():
    assert most_at_once([]) == 0
    assert most_at_once([_s(0, 10), _s(1, 2), _s(3, 4), _s(3.5, 12)]) == 3
    assert most_at_once([_s(0, 1), _s(1, 2), _s(2, 3)]) == 1  # one ends as the next begins
    assert most_at_once([_s(0, 5), _s(0, None)]) == 2  # a session stopped by its timeout still counted


def test_paces():
    assert [BURST.start_of(i) for i in range(3)] == [0.0, 0.0, 0.0]
    steady = Pace("steady", rate=2.0, think=5.0)
    assert [steady.start_of(i) for i in range(4)] == [0.0, 0.5, 1.0, 1.5]
    assert BURST.label().startswith("burst") and "2 log-ins/s" in steady.label()
