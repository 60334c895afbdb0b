"""A page run reads the data versions once (not at every cached loader it calls), sees its own
write at once, and the next run reads them again, so a write through another process is seen
on the next rerun as before."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.spatialite_only


def _script():
    import streamlit as st

    import greening.data_version as dv
    from greening.db import get_engine
    from ui import data

    reads = []
    real = dv.versions

    def counting(conn):
        reads.append(1)
        return real(conn)

    dv.versions = counting
    try:
        first = data._db_of("440823")
        again = [data._db_of("440823"), data._db_of(""), data._areas_version(), data._db_of("440882")]
        st.session_state["reads_before_write"] = len(reads)
        if st.session_state.get("write"):
            with get_engine(data._url()).begin() as conn:  # this page's own write
                dv.bump(conn, ["440823"])
        after = data._db_of("440823")
    finally:
        dv.versions = real
    st.session_state["same_run"] = (first, again[0], after)
    st.session_state["reads"] = len(reads)


def _run(at: AppTest):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state["same_run"], at.session_state["reads_before_write"], at.session_state["reads"]


def test_one_read_per_run_and_the_runs_own_write_is_seen_at_once(app_engine):
    at = AppTest.from_function(_script, default_timeout=60)
    (first, again, after), before, reads = _run(at)
    assert before == 1  # five keys, one read of the counters
    assert first == again == after and reads == 1
    at.session_state["write"] = True
    (first2, again2, after2), before2, reads2 = _run(at)
    assert first2 == first  # a new run read them again (nothing had changed)
    assert after2 != first2, "the run's own write is in its next key"
    assert reads2 == 2


def test_the_next_run_sees_a_write_made_elsewhere(app_engine):
    from greening.data_version import _BUMP

    at = AppTest.from_function(_script, default_timeout=60)
    (first, _a, _b), _before, _reads = _run(at)
    with app_engine.begin() as conn:  # another process's write: this one's write count is unchanged
        conn.execute(_BUMP, {"scope": "440823"})
    (second, _a, _b), _before, _reads = _run(at)
    assert second != first
