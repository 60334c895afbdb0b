"""The tab's language is read once per page run (a page asks hundreds of times), yet a change made
during the run (the switch, the saved language loaded at log-in, logging out) is in force at once,
and the next run reads the tab's state afresh."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from ui.i18n_st import LANG_KEY, USER_LANG_KEY, forget_tab_choice, lang, set_language_state

    seen = [lang(), lang()]
    if st.session_state.get("switch_to"):
        set_language_state(LANG_KEY, st.session_state.pop("switch_to"))
        seen.append(lang())
    if st.session_state.get("saved"):
        set_language_state(USER_LANG_KEY, st.session_state.pop("saved"))
        seen.append(lang())
    if st.session_state.pop("log_out", False):
        forget_tab_choice()
        seen.append(lang())
    st.session_state["seen"] = seen


def _seen(at: AppTest) -> list[str]:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return list(at.session_state["seen"])


def test_a_change_during_the_run_is_in_force_at_once_and_the_next_run_reads_afresh():
    at = AppTest.from_function(_script, default_timeout=30)
    assert _seen(at) == ["zh", "zh"]
    at.session_state["switch_to"] = "en"
    assert _seen(at) == ["zh", "zh", "en"]  # the switch, within the run that made it
    assert _seen(at) == ["en", "en"]  # the next run: the tab's choice
    at.session_state["lang"] = "zh"  # changed from outside between runs
    assert _seen(at) == ["zh", "zh"]


def test_the_saved_language_and_logging_out():
    at = AppTest.from_function(_script, default_timeout=30)
    at.session_state["saved"] = "en"  # the user's saved language, loaded at log-in
    assert _seen(at) == ["zh", "zh", "en"]
    at.session_state["switch_to"] = "zh"
    at.session_state["log_out"] = True  # logging out keeps the language on screen, as a default
    assert _seen(at) == ["en", "en", "zh", "zh"]
    assert _seen(at) == ["zh", "zh"]
