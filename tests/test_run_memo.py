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

    def counting(conn, **kw):
        reads.append(1)
        return real(conn, **kw)

    dv.versions = counting
    try:
        first = data._db_of("440823")
        again = [data._db_of("440823"), data._db_of(""), data.areas_version(), data._db_of("440882")]
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


def _gate_script():
    import streamlit as st

    import ui.login_gate as gate

    checks = []
    real = gate.actor_from_token

    def counting(session, token, **kw):
        checks.append(1)
        return real(session, token, **kw)

    gate.actor_from_token = counting
    try:
        first, second = gate.current_actor(), gate.current_actor()  # app.py, then the page
    finally:
        gate.actor_from_token = real
    st.session_state["who"] = (first.username if first else None, second.username if second else None)
    st.session_state["checks"] = len(checks)


def test_the_log_in_is_checked_once_per_run_and_again_in_the_next(app_engine):
    from greening.actor import Actor
    from greening.auth import logout
    from greening.auth.login import log_in
    from greening.db import session_scope
    from greening.models import AdminArea
    from greening.models.enums import Role
    from greening.permissions import install_scope
    from tests.fixtures.accounts import PASSWORD, add_user
    from ui.login_cookie import TOKEN_KEY

    with session_scope(app_engine) as s:
        install_scope(s, Actor.system("tests"))
        s.add(AdminArea(code="440823000000", level="county", name="遂溪县", scope_prefix="440823"))
        s.flush()
        add_user(s, "lead-memo", Role.COUNTY_LEAD, "440823000000")
    token = log_in(app_engine, "lead-memo", PASSWORD).token
    at = AppTest.from_function(_gate_script, default_timeout=60)
    at.session_state[TOKEN_KEY] = token
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["who"] == ("lead-memo", "lead-memo")
    assert at.session_state["checks"] == 1  # both asked, the database was asked once
    with session_scope(app_engine) as s:  # logged out in another tab (any replica)
        logout(s, token)
    at.run()
    assert at.session_state["who"] == (None, None)  # the next run asked again
