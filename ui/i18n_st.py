"""The interface language for this browser tab: Chinese by default, English on request."""
from __future__ import annotations

import streamlit as st

from greening.i18n import label as _label
from greening.i18n import labels as _labels
from greening.i18n import normalise_lang, t

__all__ = ["lang", "tr", "tr_key", "label", "label_of", "labels", "language_switch", "translated", "county_name", "LANG_KEY",
           "USER_LANG_KEY", "PICKED_LOGGED_OUT_KEY", "LANG_OF_KEY", "set_language_state",
           "forget_tab_choice"]

LANG_KEY = "lang"            # the language chosen in this tab (the switch)
USER_LANG_KEY = "user_language"  # the logged-in user's saved preference
PICKED_LOGGED_OUT_KEY = "lang_picked_logged_out"  # the switch was used on the log-in page
LANG_OF_KEY = "user_language_of"  # whose saved language USER_LANG_KEY holds


def lang() -> str:
    """"zh" or "en": the tab's choice, else the user's saved preference, else Chinese.

    The default is not written into the tab's choice: the log-in page, drawn in Chinese before
    anyone is known, had fixed "zh" there, and a user who had saved English got Chinese pages
    after every log-in (``app.py`` loads the saved preference only when the tab chose nothing)."""
    from ui.data import _run_memo

    memo = _run_memo()  # once per run: a page asks hundreds of times, and a miss in session state is slow
    if _MEMO in memo:
        return memo[_MEMO]
    state = st.session_state
    found = normalise_lang(state[LANG_KEY] if LANG_KEY in state else state.get(USER_LANG_KEY))
    memo[_MEMO] = found
    return found


_MEMO = "lang"


def set_language_state(key: str, value) -> None:
    """Write one of the language keys (``LANG_KEY``, ``USER_LANG_KEY``; ``None`` removes it): the
    only way they change during a run, so :func:`lang` answers afresh after it."""
    from ui.data import _run_memo

    if value is None:
        st.session_state.pop(key, None)
    else:
        st.session_state[key] = value
    _run_memo().pop(_MEMO, None)


def forget_tab_choice() -> None:
    """On logging out: the language on screen stays, but as a default, so the next user of this tab
    gets their own saved language (not the previous user's choice)."""
    set_language_state(USER_LANG_KEY, lang())
    set_language_state(LANG_KEY, None)
    st.session_state.pop(LANG_OF_KEY, None)


def tr(key: str, **kw) -> str:
    return t(key, lang(), **kw)


def tr_key(prefix: str = ""):
    """``value -> tr(prefix + value)`` in THIS run's language, for a widget's ``format_func``.

    Streamlit's ``AppTest`` calls a widget's ``format_func`` again after the run, outside the
    session, where :func:`lang` no longer sees the tab's choice; a plain ``lambda v: tr(...)``
    then answers in Chinese for an English page and the next page switch fails
    (``ValueError: '措施覆盖率' is not in list``). The language is fixed when this is called.
    """
    current = lang()
    return lambda value: t(f"{prefix}{value}", current)


def translated(widget, label: str, options, /, *, key: str, **kwargs):
    """``widget(label, options, key=key, **kwargs)``: a keyed selectbox, radio, segmented control or
    multiselect whose option labels are in the tab's language.

    The browser keeps such a box's choice as its label, and Streamlit sends the box's value again only
    when the value changes: after a language switch the box went on showing the other language's
    label ("Measure coverage" on the Chinese overview) and sent it back on the next run. On the first
    run in a new language the value is handed back through session state, so Streamlit sends the label
    in this language; ``index``/``default`` are then left out (the value is already given).
    """
    current = lang()
    seen = f"_label_lang:{key}"
    if st.session_state.get(seen, current) != current and key in st.session_state:
        st.session_state[key] = st.session_state[key]
        kwargs.pop("index", None)
        kwargs.pop("default", None)
    st.session_state[seen] = current
    return widget(label, options, key=key, **kwargs)


def county_name(code: str, fallback: str | None = None) -> str:
    """The county of ``code`` (any code inside it) in the tab's language; ``fallback`` (the name
    stored with the area) for a county outside the shipped boundaries."""
    from greening.area_codes import county_prefix
    from greening.geo.boundaries import COUNTIES

    names = COUNTIES.get(county_prefix(code))
    if not names:
        return fallback or code
    return names[1] if lang() == "en" and names[1] else names[0]


def label(enum_cls, value) -> str:
    return _label(enum_cls, value, lang())


def label_of(enum_cls):
    """``value -> label(enum_cls, value)`` in this run's language (a ``format_func``; see :func:`tr_key`)."""
    current = lang()
    return lambda value: _label(enum_cls, value, current)


def labels(enum_cls) -> dict[str, str]:
    return _labels(enum_cls, lang())


def language_switch(on_change=None, container=None) -> str:
    """A 中文/English switch in the sidebar (or ``container``); ``on_change(lang)`` saves it as the
    user's preference."""
    current = lang()

    def _changed():
        set_language_state(LANG_KEY, st.session_state["_lang_switch"])
        if on_change is not None:
            on_change(st.session_state[LANG_KEY])
        else:  # on the log-in page: saved for whoever logs in next (see app.py)
            st.session_state[PICKED_LOGGED_OUT_KEY] = True

    # the switch shows the language in force, also when it came from the saved preference
    st.session_state["_lang_switch"] = current
    (container or st.sidebar).radio(t("lang.label", current), ["zh", "en"],
                     format_func=lambda v: "中文" if v == "zh" else "English", horizontal=True,
                     key="_lang_switch", on_change=_changed)
    return lang()
