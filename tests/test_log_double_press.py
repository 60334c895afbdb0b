"""种植登记 pressed twice: the second press reaching the server while the first press's run is
still going (after its record is saved) is the same submission: one record, confirmed once, not
also 「该登记此前已提交，未重复保存」. Headless on a small demo database.

How the two presses meet: a press arriving while a run is going is a rerun request, and Streamlit
stops the running script at its next checkpoint to start the new run; every read or write of
``st.session_state`` is such a checkpoint. The first press's run had saved the record and was
stopped at the write of its confirmation; the second run sent the form again, the service found
the submission already stored and the page said both.
"""
from __future__ import annotations

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from greening.auth import DEMO_ACCOUNTS, actor_from_token, authenticate
from greening.config import REPO_ROOT
from greening.db import make_engine, session_scope
from greening.i18n import t
from greening.models import Planting
from greening.services.area_views import area_frame
from tests.fixtures.demo_db import demo_copy_fixtures

APP = str(REPO_ROOT / "app.py")
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}

demo_url, settings = demo_copy_fixtures("doublepressdb")


def _second_press_arrives_after_the_save(monkeypatch) -> list[bool]:
    """Make the service, once it has stored the first press's record, receive the second press:
    a rerun request carrying the same widget values, the form's submit button pressed again.
    Returns the ``created`` of every save, in order."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

    import greening.services.plantings as plantings

    real = plantings.create_planting
    created: list[bool] = []

    def create_and_press_again(session, actor, data):
        result = real(session, actor, data)
        created.append(result.created)
        if len(created) == 1:
            ctx = get_script_run_ctx()
            states = WidgetStates(widgets=ctx.session_state._state.get_widget_states())
            ctx.script_requests.request_rerun(RerunData(query_string=ctx.query_string, widget_states=states,
                                                        page_script_hash=ctx.page_script_hash))
        return result

    monkeypatch.setattr(plantings, "create_planting", create_and_press_again)
    return created


def test_a_double_press_is_confirmed_once(settings, monkeypatch):
    with session_scope(make_engine()) as s:
        token = authenticate(s, "team-suixi", PASSWORDS["team-suixi"]).token
        actor = actor_from_token(s, token)
    with make_engine().connect() as conn:
        village = area_frame(conn, actor, "village").iloc[0]
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["greening_token"] = token
    at.session_state["basemap"] = "none"
    at.session_state["lang"] = "zh"
    at.run()
    at.switch_page("pages/log_planting.py")
    at.run()
    at.session_state["log_map"] = {"last_clicked": {"lat": village["label_lat"], "lng": village["label_lon"]}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.number_input(key="log_count").set_value(23)
    created = _second_press_arrives_after_the_save(monkeypatch)
    next(b for b in at.button if b.label == t("log.submit")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    sid = at.session_state["log_submission_id"]
    with make_engine().connect() as conn:
        assert conn.execute(select(func.count()).select_from(Planting)
                            .where(Planting.submission_id == sid)).scalar_one() == 1
    saved = [m.value for m in at.success if m.value.startswith("已登记")]
    assert len(saved) == 1 and "23 株" in saved[0], [m.value for m in at.success]
    assert not [c.value for c in at.caption if "未重复保存" in c.value]
    assert created[0] is True  # the first press saved the record
