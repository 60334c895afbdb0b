"""Streamlit's own English texts that reach users of the Chinese interface (ui/streamlit_texts.py)."""
from __future__ import annotations

from streamlit.elements import exception as st_exception

from ui.layout import PHONE_CSS
from ui.streamlit_texts import TEXTS


def test_the_error_box_of_a_failed_page_run_is_in_chinese():
    """What a user sees when a page run fails (details are never shown: showErrorDetails "none"):
    the installed Streamlit's exact text has a Chinese translation. Before, the English box
    "This app has encountered an error ..." stood on the Chinese page."""
    english = st_exception._GENERIC_UNCAUGHT_EXCEPTION_TEXT
    assert english in TEXTS
    assert "刷新页面" in TEXTS[english] and "管理员" in TEXTS[english]


def test_the_error_box_offers_no_links_to_search_engines_or_chatbots():
    """Streamlit puts "Ask Google" and "Ask ChatGPT" links under the box; neither belongs on a
    government work tool (nor are they reachable from every office network)."""
    assert '[data-testid="stException"] a[href*="google.com"]' in PHONE_CSS
    assert '[data-testid="stException"] a[href*="chatgpt.com"]' in PHONE_CSS
