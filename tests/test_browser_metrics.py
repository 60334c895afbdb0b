"""The overview's headline figures in a real browser: every label read whole, in both languages,
on a wide screen (1280×900) and a phone (390×844). Marked ``browser``."""
from __future__ import annotations

import pytest

from tests.fixtures.browser import DESKTOP, PHONE, new_page, shot
from tests.test_browser_notices import _switch_language
from tests.test_browser_review import _logged_in, _open
from tests.test_browser_team import _phone

pytestmark = pytest.mark.browser

#: (text, widest scrollWidth - clientWidth inside it) of every headline figure's label: more than
#: 0 where a box cuts its text (an ellipsis is drawn where the text overflows its box)
LABELS = """() => [...document.querySelectorAll('[data-testid="stMetricLabel"]')].map(e =>
  [e.innerText, Math.max(...[e, ...e.querySelectorAll('*')].map(x => x.scrollWidth - x.clientWidth))])"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_headline_labels_are_read_whole(app_server, browser, dialogs, viewport):
    """「Demonstration villages (target 376)」 was cut to 「Demonstration villages (target …」 on
    the English overview at 1280 px: a figure's label now wraps instead."""
    page = (new_page(browser, app_server, dialogs, viewport) if viewport is DESKTOP
            else _phone(browser, app_server, dialogs))
    _logged_in(page, "city")
    _open(page, app_server, "overview", "植树")
    name = "desktop" if viewport is DESKTOP else "phone"
    try:
        for language, word in (("English", "Trees planted"), ("中文", "植树")):
            _switch_language(page, language)
            page.locator('[data-testid="stMetricLabel"]', has_text=word).first.wait_for(timeout=60_000)
            labels = page.evaluate(LABELS)
            assert len(labels) >= 7, labels
            cut = [(text, over) for text, over in labels if over > 1]
            assert cut == [], cut
            shot(page, f"headline-{language}-{name}")
    finally:
        shot(page, f"headline-{name}")
        if page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True).count():
            _switch_language(page, "中文")  # the language is kept per user: leave city's in Chinese
    assert dialogs == []
    page.context.close()
