"""核查审核 / Review: town and county leads verify or reject plantings; the four-party spot check."""
import datetime as dt

import streamlit as st

from greening.config import get_settings
from greening.permissions import allowed
from greening.services import review
from greening.services.audit_trail import audit_csv
from ui.session import db_session, require_actor, show_error


def decision_queue(actor) -> None:
    # The versions shown in the previous run are the ones the reviewer decided on.
    seen = st.session_state.get("review_seen_versions", {})
    if note := st.session_state.pop("review_note", None):
        st.success(note)
    with db_session(actor) as s:
        queue = review.review_queue(s, actor)
    st.session_state["review_seen_versions"] = {int(i): int(v) for i, v in zip(queue["id"], queue["version"], strict=False)}
    if queue.empty:
        st.info("暂无待审核记录。 / Nothing awaits review.")
        return
    st.dataframe(queue.drop(columns=["lon", "lat", "reject_reason", "reviewed_at"]), hide_index=True)
    labels = {int(r.id): f"#{r.id} {r.village} · {r.species} × {r.tree_count} · {r.planted_on}"
              for r in queue.itertuples()}
    with st.form("review_decision"):
        pid = st.selectbox("记录 / Record", list(labels), format_func=labels.get)
        decision = st.radio("结论 / Decision", ["verify", "reject"], horizontal=True,
                            format_func={"verify": "核查通过 / Verify", "reject": "退回 / Reject"}.get)
        reason = st.text_area("退回原因（退回时必填）/ Reason (required to reject)", max_chars=review.MAX_REASON)
        submitted = st.form_submit_button("提交 / Submit", type="primary")
    if not submitted or pid is None:
        return
    expected = int(seen.get(pid, queue.set_index("id").loc[pid, "version"]))
    try:
        with db_session(actor, write=True) as s:
            if decision == "verify":
                review.verify(s, actor, pid, expected_version=expected)
            else:
                review.reject(s, actor, pid, expected_version=expected, reason=reason)
    except (ValueError, PermissionError) as exc:
        show_error(exc)
        return
    st.session_state["review_note"] = f"记录 #{pid} 已处理 / record #{pid} done"
    st.rerun()


def spot_check(actor) -> None:
    c1, c2, c3 = st.columns(3)
    period = c1.text_input("期间（2024、2024-03、2024-Q2）/ Period", value=str(dt.date.today().year), max_chars=7)
    seed = c2.number_input("随机种子 / Seed", min_value=0, max_value=10**9, value=0, step=1)
    share = c3.slider("抽查比例 / Share", 0.01, 1.0, float(get_settings().spot_check_share), 0.01)
    try:
        with db_session(actor) as s:
            picks = review.spot_check(s, actor, period=period, seed=int(seed), share=share)
    except (ValueError, PermissionError) as exc:
        show_error(exc)
        return
    st.caption(f"共抽取 {len(picks)} 条；同样的期间与种子总得到同样的清单。 / "
               f"{len(picks)} records drawn; the same period and seed always give the same list.")
    st.dataframe(picks, hide_index=True)
    st.download_button("下载 CSV / Download CSV", audit_csv(picks), file_name=f"spot-check-{period}-{int(seed)}.csv",
                       mime="text/csv", on_click="ignore")


actor = require_actor("spotcheck.view")  # city officials draw spot checks; leads also decide
st.title("核查审核 / Review")
if allowed(actor, "planting.review"):
    queue_tab, spot_tab = st.tabs(["待审核 / Awaiting review", "四方核查抽查 / Four-party spot check"])
    with queue_tab:
        decision_queue(actor)
else:
    spot_tab = st.container()
with spot_tab:
    spot_check(actor)
