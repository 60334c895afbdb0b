"""Page furniture shared by every screen: phone-friendly CSS, the demo-data banner, headline metrics,
safe text for markdown."""
from __future__ import annotations

import re

import streamlit as st

from greening.i18n import fmt_count, fmt_int, fmt_pct
from ui import data
from ui.i18n_st import lang, tr

__all__ = ["PHONE_CSS", "apply_css", "demo_banner", "progress_metric", "md_escape", "page_header", "show_error",
           "flash", "flash_slot", "flashed", "flashes_said", "tab_title", "PHONE_STACK", "stacked_on_phone"]

_FLASH = "page_flash"  # what the last action did, said once on whichever page the rerun shows


def flash(text: str) -> None:
    """Say ``text`` (a success) on the next page drawn. An action that reruns the app can land on
    another page (the last notice of the inbox closed: the home page becomes the overview), and a
    message written before the rerun is wiped: :func:`page_header` says it there."""
    st.session_state[_FLASH] = text
    st.session_state.pop(_PRESSED + _FLASH, None)  # no button to say it again for


def flash_slot(where: str = _FLASH, *, press: str | None = None) -> list[str]:
    """An empty :func:`flash`, kept in session state now, BEFORE a write: append the text to it as
    soon as the write is committed, with no session-state access in between. A second press of the
    button arriving during the run stops the run at its next session-state access (Streamlit's
    checkpoint for a rerun request); a ``flash()`` after the commit was such an access, so the
    step was saved and its 「已保存」 lost (the next run no longer offers the step's button).

    ``where``: said by :func:`page_header` (the default), or by whoever calls :func:`flashed` with
    the same name (a section far down a page says its own outcome where the user pressed).

    ``press``: the key of the button pressed; a second press of it handled after the rerun that
    said the outcome (the button no longer drawn) says it again (:func:`flashes_said`)."""
    slot: list[str] = []
    st.session_state[where] = slot
    st.session_state[_PRESSED + where] = press
    return slot


def flashed(where: str = _FLASH) -> str | None:
    """What the last action kept under ``where`` said (:func:`flash`, :func:`flash_slot`); None
    when nothing was said, or the write was not committed.

    Said by every run until one that said it runs to its end (:func:`flashes_said`): a second press
    of a step's button, made on the button as drawn before the first press was handled, arrives
    during the rerun that says the step and stops it at its next checkpoint, before the text is
    drawn or with it drawn and then wiped by the second press's run; taken out at once, the text
    was lost (签收 pressed twice: done once, no 「已保存：…现为…」)."""
    said = st.session_state.get(where)
    if said is None:  # said already: again for a second press of the button that made it
        said = _again(where)
    text = (said[0] if said else None) if isinstance(said, list) else said  # a flash_slot(): filled when committed
    if not text:
        if said is not None:  # a slot whose write was not committed
            st.session_state.pop(where, None)
        return None
    st.session_state.setdefault(_SAID, {})[where] = said
    return text


_SAID = "page_flash_said"  # what this run said (flashed()), taken out once the run has run to its end
_PRESSED = "page_flash_press:"  # + where: the key of the button whose press made the message
_AGAIN = "page_flash_again:"  # + where: (that key, the message), once it was said


def _again(where: str):
    """The message last said under ``where``, kept back in session state when this run handles a
    second press of the button that made it (the button is no longer drawn: its press is read from
    session state by its key); forgotten on any other run."""
    again = st.session_state.pop(_AGAIN + where, None)
    if again is None or st.session_state.get(again[0]) is not True:
        return None
    st.session_state[where] = again[1]
    st.session_state[_PRESSED + where] = again[0]
    return again[1]


def flashes_said() -> None:
    """The messages this run said (:func:`flashed`) taken out of session state: called once the page
    has run to its end, not when a second press stopped it (they are said again by the next run).
    A message kept again under the same name since (a press handled in this run) stays."""
    for where, said in st.session_state.pop(_SAID, {}).items():
        if st.session_state.get(where) is said:
            del st.session_state[where]
            press = st.session_state.pop(_PRESSED + where, None)
            if press:
                st.session_state[_AGAIN + where] = (press, said)


# Narrow screens: less padding, full-width buttons and inputs big enough for a thumb, tables that
# scroll sideways instead of squeezing. Streamlit's own toolbar is hidden by .streamlit/config.toml.
PHONE_CSS = """
<style>
[data-testid="stException"] a[href*="google.com"],[data-testid="stException"] a[href*="chatgpt.com"]{display:none}
.block-container{padding-top:3.4rem;padding-bottom:3rem}
/* a headline figure's label wraps rather than ending in an ellipsis (long English labels) */
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],[data-testid="stMetricLabel"] p{
  white-space:normal !important;overflow:visible !important;text-overflow:clip !important}
/* a multiselect's text box as wide focused as not (Streamlit widens it from 8 to 48 px on focus): a
   chip filling its line put the box on a line of its own as the picker was focused and took it
   back as the picker lost focus, so the press on a button below (下发) started on the button and
   ended above it, after the page had moved up a line: no click, nothing sent */
[data-testid="stMultiSelect"] input[role="combobox"]{min-width:48px !important}
@media (max-width: 640px){
  .block-container{padding-left:.6rem;padding-right:.6rem;padding-top:3rem}
  /* the page's title (st.subheader: h3) never smaller than the section headings under it (#### h4) */
  h1{font-size:1.45rem !important} h2{font-size:1.35rem !important} h3{font-size:1.25rem !important}
  h4{font-size:1.1rem !important} h5{font-size:1rem !important}
  div[data-testid="stMetricValue"]{font-size:1.3rem}
  .stButton button,.stFormSubmitButton button,.stDownloadButton button{width:100%;min-height:3rem;font-size:1.05rem}
  div[data-testid="stHorizontalBlock"]{gap:.4rem}
  /* headline figures two by two instead of one per screen row (not inside a phone_stack container) */
  div[data-testid="stHorizontalBlock"]:has(div[data-testid="stMetric"]):not([class*="st-key-phone_stack"] *){
    flex-wrap:wrap;flex-direction:row}
  div[data-testid="stHorizontalBlock"]:has(div[data-testid="stMetric"]):not([class*="st-key-phone_stack"] *)
    > div[data-testid="stColumn"]{
    flex:1 1 calc(50% - .4rem) !important;min-width:calc(50% - .4rem) !important;width:calc(50% - .4rem) !important}
  /* columns of a stacked_on_phone() container one under the other, each the screen's width */
  [class*="st-key-phone_stack"] div[data-testid="stHorizontalBlock"]{flex-direction:column;flex-wrap:nowrap}
  [class*="st-key-phone_stack"] div[data-testid="stHorizontalBlock"] > div[data-testid="stColumn"]{
    flex:1 1 auto !important;min-width:100% !important;width:100% !important}
  [data-testid="stMetricLabel"] p{font-size:.8rem}
  input,textarea,select{font-size:16px !important}
  /* st.table (a team's recent records): one line per cell, the table scrolls sideways */
  div[data-testid="stTable"],div[data-testid="stTable"] > div{overflow-x:auto}
  div[data-testid="stTable"] :is(th,td),div[data-testid="stTable"] :is(th,td) *{white-space:nowrap !important;
    word-break:keep-all !important;overflow-wrap:normal !important}
}
</style>
"""

#: the key prefix of the containers whose columns stand one under another on a phone (PHONE_CSS)
PHONE_STACK = "phone_stack"


def stacked_on_phone(name: str):
    """A container whose columns stand one under the other on a narrow screen (up to 640 px), each
    the screen's width: for columns holding a table, a paragraph or a figure with long captions.
    Elsewhere a row with a figure (st.metric) stays two columns by two on a phone, as headline
    figures do, which squeezed a table or a paragraph beside a figure into half a phone's width."""
    return st.container(key=f"{PHONE_STACK}_{name}")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


#: the container ``st.container(key=box)`` into the middle of the screen, once the page has
#: settled after a press (forms and photos gone, the page shorter than where the finger was)
_SCROLL_TO = """<script>
(function () {{
  var doc = window.parent.document, tries = 0;  // {token}
  function bring() {{
    var box = doc.querySelector('.st-key-{box}');
    if (box) {{ box.scrollIntoView({{block: 'center'}}); }}
    if (++tries < 6) {{ setTimeout(bring, 250); }}
  }}
  bring();
}})();
</script>"""


def scroll_into_view(box: str, token) -> None:
    """Bring the keyed container ``box`` into view in the browser (``token`` makes each press's
    script new, so it runs again for the next press)."""
    import streamlit.components.v1 as components

    components.html(_SCROLL_TO.format(box=box, token=token), height=0)


def apply_css() -> None:
    st.html(PHONE_CSS)


def md_escape(text) -> str:
    """``text`` shown literally inside markdown (no links, images, emphasis or HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", "" if text is None else str(text))


def demo_banner() -> None:
    """A visible "示例数据 / demo data" banner whenever the database holds generated records."""
    try:
        present = data.demo_present()
    except Exception:  # noqa: BLE001 - a banner must never break a page
        present = False
    if present:
        st.warning(tr("demo.banner"))


_MD_ESCAPED = re.compile(r"\\(.)")


def tab_title(title: str) -> str:
    """The browser tab's title for a page called ``title`` (markdown, as page headers take it):
    the page's name, then the app's, in the tab's language. It had been 湛江乡村绿化 on every page,
    in Chinese also on an English page."""
    name = _MD_ESCAPED.sub(r"\1", title).strip().rstrip("：:").strip()
    return f"{name} · {tr('app.title')}" if name else tr("app.title")


def page_header(title: str) -> None:
    """The page title (also the browser tab's), the date the figures are reported as of, and the
    demo-data banner."""
    from greening.i18n import fmt_date

    st.set_page_config(page_title=tab_title(title))
    st.subheader(title)
    st.caption(tr("common.as_of", date=fmt_date(data.report_date(), lang())))
    demo_banner()
    said = flashed()
    if said:
        st.success(said)


def progress_metric(column, label: str, value, target=None, *, kind: str = "count", unit_zh: str = "",
                    unit_en: str = "", help: str | None = None) -> None:
    """A headline figure with a progress bar against ``target`` (kind: count, share or int)."""
    lg = lang()
    if kind == "share":
        shown = fmt_pct(value, lg)
        share = value
    else:
        shown = fmt_count(value, lg, unit_zh, unit_en) if kind == "count" else fmt_int(value, lg)
        share = (float(value or 0) / target) if target else None
    with column:
        if target:
            goal = fmt_count(target, lg, unit_zh, unit_en) if kind == "count" else fmt_int(target, lg)
            label = tr("metric.with_target", label=label, target=goal)
        st.metric(label, shown, help=help)
        if share is not None and share == share:  # not NaN
            st.progress(min(max(float(share), 0.0), 1.0))


def show_error(exc: BaseException) -> None:
    """A service's refusal or validation error in the tab's language (never a traceback)."""
    from greening.i18n import error_text

    st.error(md_escape(error_text(exc, lang())))
