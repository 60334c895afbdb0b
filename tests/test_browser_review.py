"""In a real browser: a town lead's double press after a rejection, the review queue and the lagging
list on a phone, the lagging download, Streamlit's own texts in the tab's language, and the city
overview's pins clear of the cluster bubbles on a phone. Marked ``browser``."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.fixtures.browser import (
    ARTIFACTS,
    DESKTOP,
    MAP_FRAME,
    PHONE,
    CoalescedPresses,
    login,
    map_frame,
    new_page,
    no_basemap,
    session_cookie,
    shot,
)
from tests.test_browser_team import _phone

pytestmark = pytest.mark.browser


def _statuses(db_url: str) -> dict[str, int]:
    from greening.db import make_engine
    from greening.models import Planting

    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(Planting.status, func.count()).where(
            Planting.claimed_village_code.startswith("440823101")).group_by(Planting.status)).all()
    engine.dispose()
    return dict(rows)


def _logged_in(page, username: str) -> None:
    """Log in and wait until the log-in cookie is written (pages are then opened by their URL)."""
    login(page, username)
    for _ in range(120):
        if session_cookie(page.context):
            return
        page.wait_for_timeout(250)
    raise AssertionError("the log-in cookie was not written")


def _open(page, base: str, path: str, marker: str) -> None:
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    try:
        page.wait_for_selector(f"text={marker}", timeout=180_000)  # the first coverage run of a fresh server
    except Exception:
        shot(page, f"failed-{path}")
        raise


def _choose_reject(page, reason: str, *, newest: bool = False) -> None:
    """Pick a record (the newest, or the oldest on the page), choose 退回 and type the reason."""
    box = page.locator("[data-testid=stSelectbox]").filter(has_text="审核哪条记录")
    options = page.locator("[role=option]")
    for _ in range(6):  # a tap during the rerun after a decision lands on the box being replaced
        box.locator("input").click()
        try:
            options.first.wait_for(timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - tap again, as a user would
            page.keyboard.press("Escape")
    (options.first if newest else options.last).click()
    reject = page.get_by_role("radio", name="退回", exact=True)
    reject.first.wait_for(state="attached", timeout=60_000)
    for _ in range(6):  # a tap while the rerun after picking the record redraws the form is lost
        page.get_by_text("退回", exact=True).first.click()
        try:
            page.wait_for_function("el => el.checked", arg=reject.first.element_handle(), timeout=5_000)
            break
        except Exception:  # noqa: BLE001 - tap again, as a user would
            continue
    assert reject.first.is_checked(), "退回 could not be chosen"
    page.locator("textarea").first.fill(reason)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_double_press_after_a_rejection_rejects_that_record_only(app_server, browser_db, browser, dialogs,
                                                                    viewport):
    page = new_page(browser, app_server, dialogs, viewport)
    _logged_in(page, "suixi-town")
    _open(page, app_server, "review", "审核哪条记录")
    for _ in range(2):  # several records in a row
        before = _statuses(browser_db)
        _choose_reject(page, "照片与地点不符", newest=True)
        page.get_by_role("button", name="提交", exact=True).dblclick()
        # the first press decides; the second, if it arrives after that rerun, is told the record
        # was already handled: either line may be what stays on screen, the database decides below
        try:
            page.wait_for_selector("text=/已退回：照片与地点不符|本次提交未作任何更改/", timeout=90_000)
        except Exception:
            shot(page, f"failed-review-double-press-{viewport['width']}")
            (ARTIFACTS / f"failed-review-{viewport['width']}.txt").write_text(
                f"{before} -> {_statuses(browser_db)}\n" + page.inner_text("body"))
            raise AssertionError("no outcome line after the press; see test-artifacts") from None
        page.wait_for_timeout(2000)
        after = _statuses(browser_db)
        assert after.get("rejected", 0) == before.get("rejected", 0) + 1, (before, after)
        assert after["submitted"] == before["submitted"] - 1
        # the form is gone: nothing left to press, no reason carried over
        expect(page.get_by_role("button", name="提交", exact=True)).to_have_count(0, timeout=30_000)
    shot(page, f"review-after-double-press-{viewport['width']}")
    assert dialogs == []
    page.context.close()


def test_a_double_press_that_reaches_a_busy_server_as_one_request_decides_the_record(
        app_server, browser_db, browser, dialogs):
    """On a loaded server both presses of a double press arrive while a run is going and are merged
    into one request carrying the second press's values. A form cleared on submit sent an empty
    decision then: the lead saw 请先选择 and the reason typed was gone (the record stayed pending)."""
    presses = CoalescedPresses()
    page = new_page(browser, app_server, dialogs, PHONE, presses=presses)
    _logged_in(page, "suixi-town")
    _open(page, app_server, "review", "审核哪条记录")
    before = _statuses(browser_db)
    _choose_reject(page, "树苗已死亡")
    presses.hold()
    page.get_by_role("button", name="提交", exact=True).dblclick()
    page.wait_for_timeout(500)
    assert presses.release() == 2
    try:
        page.wait_for_selector("text=已退回：树苗已死亡", timeout=90_000)
    except Exception:
        shot(page, "failed-review-coalesced")
        raise AssertionError(f"no outcome line; {page.inner_text('body')[-600:]}") from None
    page.wait_for_timeout(1000)
    after = _statuses(browser_db)
    assert after.get("rejected", 0) == before.get("rejected", 0) + 1, (before, after)
    assert page.get_by_text("请先选择").count() == 0
    assert dialogs == []
    page.context.close()


def test_the_lagging_list_on_a_phone_and_its_download(app_server, browser, dialogs):
    page = new_page(browser, app_server, dialogs, PHONE)
    _logged_in(page, "city")
    _open(page, app_server, "lagging", "个落后村")
    first = page.locator("[data-testid=stMarkdownContainer] ul").first
    first.wait_for(timeout=90_000)
    first.scroll_into_view_if_needed()
    for item in first.locator("li").all():  # every reason of the first village, in full
        box = item.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    people = page.get_by_text("护绿队长：").first
    people.wait_for(timeout=30_000)
    box = people.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"], box
    shot(page, "lagging-phone-card")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="下载 Excel").click()
    frame = pd.read_excel(download.value.path(), dtype={"村代码": str})
    assert frame["村代码"].str.fullmatch(r"4408\d{8}").all()
    assert pd.api.types.is_numeric_dtype(frame["计划完成率（%）"])
    assert "原因类别" in frame and "护绿队长" in frame
    page.context.close()


def test_streamlit_texts_follow_the_language(app_server, browser, dialogs):
    page = new_page(browser, app_server, dialogs, DESKTOP)
    field = page.get_by_label("用户名", exact=True)
    field.wait_for(timeout=60_000)
    field.fill("someone")
    page.wait_for_selector("text=按回车键提交", timeout=30_000)
    assert page.get_by_text("Press Enter to submit form").count() == 0
    page.get_by_text("English", exact=True).click()
    field = page.get_by_label("User name", exact=True)
    field.wait_for(timeout=60_000)
    field.fill("someone")
    page.wait_for_selector("text=Press Enter to submit form", timeout=30_000)
    page.get_by_text("中文", exact=True).click()
    page.get_by_label("用户名", exact=True).fill("again")
    page.wait_for_selector("text=按回车键提交", timeout=30_000)
    # The review filters' select boxes and the lagging list's reason picker in Chinese.
    _logged_in(page, "city")
    _open(page, app_server, "lagging", "按原因筛选")
    page.locator("[data-testid=stMultiSelect]").filter(has_text="按原因筛选").locator("input").click()
    page.wait_for_selector("[role=option]", timeout=30_000)
    options = page.locator("[role=option]").all_inner_texts()
    assert "进度落后" in options and "Select all" not in options and "全选" not in options, options
    page.context.close()


def test_uploader_and_navigation_texts_follow_the_language(app_server, browser, dialogs):
    """The file uploader's button and size limit (they stayed English in Chinese mode), in Chinese
    then English then Chinese; the menu lists every page, in each language (no "View 3 more")."""
    page = new_page(browser, app_server, dialogs, DESKTOP)
    _logged_in(page, "leizhou")
    _open(page, app_server, "imports", "台账")
    zone = page.locator("[data-testid=stFileUploaderDropzone]").first
    nav = page.locator("[data-testid=stSidebarNavViewButton]")
    words = {"zh": ("上传", "每个文件不超过 15MB"), "en": ("Upload", "15MB per file")}
    for lang in ("zh", "en", "zh"):
        if lang == "en":
            page.get_by_text("English", exact=True).click()
        elif page.get_by_text("Log out").count():
            page.get_by_text("中文", exact=True).click()
        button, limit = words[lang]
        expect(zone.locator("button [data-testid=stMarkdownContainer]")).to_have_text(button, timeout=60_000)
        expect(zone).to_contain_text(limit)
        other = words["en" if lang == "zh" else "zh"]
        assert other[0] not in zone.inner_text() and other[1] not in zone.inner_text()
        assert nav.count() == 0
        shot(page, f"uploader-nav-{lang}")
    assert dialogs == []
    page.context.close()


#: elements of the page that scroll sideways (content wider than the element), and the page's width
SIDEWAYS = """() => {
    const wide = [];
    for (const el of document.querySelectorAll('[data-testid=stMain] *')) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height) continue;  // hidden
        const style = getComputedStyle(el);
        const scrolls = ['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
        if (scrolls || r.right > innerWidth + 1) wide.push([el.tagName, el.className.toString().slice(0, 40),
                                                         Math.round(r.right), el.scrollWidth, el.clientWidth]);
    }
    return {page: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_review_queue_fits_the_screen(app_server, browser, dialogs, viewport):
    """On a 390 px phone the queue's table scrolled sideways (nine columns): the phone gets one
    line per record with the essential fields; a desktop keeps the table."""
    page = new_page(browser, app_server, dialogs, viewport)
    _logged_in(page, "suixi-town")
    _open(page, app_server, "review", "审核哪条记录")
    page.wait_for_timeout(1500)
    seen = page.evaluate(SIDEWAYS)
    shot(page, f"review-queue-{viewport['width']}")
    if viewport is PHONE:
        assert seen["page"] <= PHONE["width"] and seen["wide"] == [], seen
        cards = page.locator(".st-key-rv_queue_narrow li")
        assert cards.count() > 0 and cards.first.inner_text().startswith("#"), cards.count()
        assert "棵" in cards.first.inner_text() or "株" in cards.first.inner_text()
        assert not page.locator(".st-key-rv_queue_wide [data-testid=stDataFrame]").is_visible()
    else:
        assert page.locator(".st-key-rv_queue_wide [data-testid=stDataFrame]").is_visible()
        assert not page.locator(".st-key-rv_queue_narrow").is_visible()
    assert dialogs == []
    page.context.close()


#: the designation pins and cluster bubbles on the map: how many, which overlap, and whether a tap
#: at each one's centre reaches it (not something drawn over it)
PINS_AND_CLUSTERS = """() => {
    const box = (el) => el.getBoundingClientRect();
    const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const onScreen = (r) => r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
    // what can be seen: the pins and bubbles inside the map's frame
    const pins = [...document.querySelectorAll('.gr-divicon .gr-pin')].filter((el) => onScreen(box(el)));
    const clusters = [...document.querySelectorAll('.marker-cluster')].filter((el) => onScreen(box(el)));
    const overlaps = [];
    pins.forEach((p, i) => {
        const a = box(p);
        clusters.forEach((c) => { if (hit(a, box(c))) overlaps.push(['pin-cluster', p.textContent, c.textContent]); });
        pins.slice(i + 1).forEach((q) => { if (hit(a, box(q))) overlaps.push(['pin-pin', p.textContent, q.textContent]); });
    });
    const reaches = (el, sel) => {
        const r = box(el);
        const top = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
        return !!top && top.closest(sel) === el;
    };
    return {pins: pins.length, clusters: clusters.length, overlaps,
            pins_blocked: pins.filter((p) => !reaches(p, '.gr-pin')).map((p) => p.textContent),
            // a bubble under a pin (one under the map's own zoom or layer buttons is Leaflet's way)
            clusters_blocked: clusters.filter((c) => {
                const r = box(c);
                const top = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
                return !!top && !!top.closest('.gr-divicon');
            }).map((c) => c.textContent)};
}"""


def test_city_overview_pins_and_clusters_do_not_overlap_on_a_phone(app_server, browser, dialogs):
    """The 镇/产 pins used to sit on the cluster bubbles at 390×844 (28 overlaps on the demo)."""
    page = _phone(browser, app_server, dialogs)
    login(page, "city")
    page.wait_for_selector("text=全市总览", timeout=60_000)
    no_basemap(page)
    frame = map_frame(page)
    page.locator(MAP_FRAME).first.scroll_into_view_if_needed()
    frame.locator(".marker-cluster").first.wait_for(timeout=60_000)
    frame.locator(".gr-divicon .gr-pin").first.wait_for(timeout=60_000)
    for step in ("start", "zoomed in", "zoomed in twice"):
        for _ in range(30):  # the bubbles glide into place, then the pins are placed (a busy machine: seconds)
            page.wait_for_timeout(500)
            seen = frame.locator("body").evaluate(PINS_AND_CLUSTERS)
            if not seen["overlaps"] and not seen["pins_blocked"] and not seen["clusters_blocked"]:
                break
        assert seen["pins"] >= (18 if step == "start" else 3) and seen["clusters"] > 0, (step, seen)
        assert seen["overlaps"] == [], (step, seen["overlaps"])
        assert seen["pins_blocked"] == [] and seen["clusters_blocked"] == [], (step, seen)
        shot(page, f"overview-pins-city-phone-{step.replace(' ', '-')}")
        if step != "zoomed in twice":
            frame.locator(".leaflet-control-zoom-in").tap()
    assert dialogs == []
    page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_notice_picker_follows_the_language_switch(app_server, browser_db, browser, dialogs, viewport):
    """督办单 switched to English mid-page: the notice picker went on showing the chosen notice with
    its Chinese state (「湛绿督〔2024〕1号 … · 已下发待签收」) while the rest of the page was English.
    The picker names the number and village (with the state it was cut on a phone); the chosen
    notice stays chosen, its state said in the tab's language on the notice opened below."""
    import datetime as dt

    from greening.actor import Actor
    from greening.db import make_engine, session_scope
    from greening.models import User
    from greening.models.enums import Role
    from greening.permissions import install_scope
    from greening.supervision import notices as N

    engine = make_engine(browser_db)
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == "city"))
        city = Actor(user_id=user.id, username="city", role=Role.CITY)
        install_scope(s, city)
        notice = N.issue_notice(s, city, N.NoticeDraft("440823101204", "1. 管护记录不全", [], [{"name": "队长（示例）"}]),
                                issued_on=dt.date(2024, 6, 10))
        number = N.display_number(notice)
    engine.dispose()
    page = new_page(browser, app_server, dialogs, viewport)
    _logged_in(page, "city")
    _open(page, app_server, "notices", "查看督办单")
    picker = page.locator("[data-testid=stSelectbox]").filter(has_text="查看督办单")
    picker.click()
    page.locator("[role=option]", has_text=number).first.click()
    chosen = picker.locator("input[role=combobox]")  # the box shows its choice as the input's value
    expect(chosen).to_have_value(re.compile(f"^{re.escape(number)} [^·]+$"), timeout=60_000)
    expect(page.get_by_text("状态：已下发待签收")).to_be_visible(timeout=60_000)
    phone = viewport == PHONE
    if phone:
        page.locator("[data-testid=stExpandSidebarButton]").first.click()
    page.get_by_text("English", exact=True).click()
    picker = page.locator("[data-testid=stSelectbox]").filter(has_text="Open a notice")
    picker.wait_for(timeout=60_000)
    chosen = picker.locator("input[role=combobox]")
    expect(chosen).to_have_value(re.compile(f"^{re.escape(number)} [^·]+$"), timeout=30_000)
    expect(page.get_by_text("Status: issued, to acknowledge")).to_be_attached(timeout=30_000)
    if phone:
        page.keyboard.press("Escape")
        page.mouse.click(viewport["width"] - 10, viewport["height"] - 60)  # off the sidebar: it closes
    picker.scroll_into_view_if_needed()
    shot(page, f"notice-picker-english-{'phone' if phone else 'desktop'}")
    if phone:
        page.locator("[data-testid=stExpandSidebarButton]").first.click()
    page.get_by_text("中文", exact=True).click()  # the account's saved language back to Chinese
    picker = page.locator("[data-testid=stSelectbox]").filter(has_text="查看督办单")
    expect(picker.locator("input[role=combobox]")).to_have_value(re.compile(f"^{re.escape(number)} "), timeout=60_000)
    expect(page.get_by_text("状态：已下发待签收")).to_be_attached(timeout=60_000)
    assert dialogs == []
    page.context.close()
