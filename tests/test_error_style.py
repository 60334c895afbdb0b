"""One error style: a user is refused with a catalogue :class:`Refusal`, never a bare two-language ValueError.

The scan reads every module of ``greening/``: a ``raise ValueError(...)`` whose message holds Chinese
is a refusal written by hand (its wording outside the catalogue, no code for reports or tests).
Internal programming errors stay plain ``ValueError`` in English. Every ``Refusal.of(code, ...)``
written with a literal code names a catalogue entry and fills exactly the entry's parameters.
Every module is held to the whole rule: no Chinese text in any ``raise`` (of any class; a catalogue call
may carry Chinese only as the zh half of a ``k=``/``k_en=`` parameter pair), and no exception class
writing its own message. Refusals that callers catch as another built-in class (``FileExistsError``,
``RuntimeError``, ``LookupError``) mix in :class:`~greening.validation.errors.OperationRefused`.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from greening import area_codes
from greening.auth.passwords import WeakPassword, check_password_policy
from greening.auth.roles import AccountMisconfigured, scope_for
from greening.geo import crs
from greening.importers import boundary_files, ledger
from greening.permissions import PermissionDenied
from greening.services import care, review, users
from greening.supervision import notices, outbox, ranking, states
from greening.supervision.care_schedule import NoMatch
from greening.supervision.pdf import NoFont
from greening.validation import CATALOGUE, Refusal

ROOT = Path(__file__).resolve().parents[1] / "greening"
CJK = re.compile(r"[\u4e00-\u9fff]")
# Classes whose message was once written by hand in both languages; they are refusals now.
HAND_WRITTEN = {"ValueError", "WeakPassword", "AccountMisconfigured", "RasterRefused", "NoticeError", "StaleNotice",
                "IllegalTransition", "NoMatch"}
REFUSAL_CLASSES = {"Refusal", "WeakPassword", "AccountMisconfigured", "RasterRefused", "NoticeError", "StaleNotice",
                   "IllegalTransition", "NoMatch", "PermissionDenied"}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def _bare_refusals(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        func = node.exc.func
        if isinstance(func, ast.Name) and func.id in HAND_WRITTEN:
            text = "".join(ast.get_source_segment(source, arg) or "" for arg in node.exc.args)
            if CJK.search(text):
                lines.append(node.lineno)
    return lines


def _refusal_calls(source: str):
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "of"
                and isinstance(node.func.value, ast.Name) and node.func.value.id[:1].isupper()
                and node.args and isinstance(node.args[0], ast.Constant)):
            yield node.lineno, node.args[0].value, {k.arg for k in node.keywords}


def _catalogue_call(call: ast.Call) -> bool:
    """``X.of(code, ...)``, or a call naming a literal catalogue code first (``FieldError(code, field, ...)``)."""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "of":
        return True
    return bool(call.args) and isinstance(call.args[0], ast.Constant) and call.args[0].value in CATALOGUE


def _chinese_outside_pairs(source: str, call: ast.Call) -> bool:
    """Chinese anywhere in the call but the zh half ``k=`` of a parameter pair ``k=..., k_en=...``."""
    names = {k.arg for k in call.keywords}
    parts = [call.func, *call.args, *(k.value for k in call.keywords if not (k.arg and f"{k.arg}_en" in names))]
    return any(CJK.search(ast.get_source_segment(source, part) or "") for part in parts)


def _is_exception_class(node: ast.ClassDef) -> bool:
    return any(re.search(r"(Error|Exception|Refusal|Refused|Denied|Warning)$", ast.unparse(base)) for base in node.bases)


def _hand_written_anywhere(source: str) -> list[int]:
    """Where a message is written outside the catalogue.

    Chinese in a ``raise`` of any class (a catalogue call may carry Chinese only as the zh half of a
    ``k=``/``k_en=`` parameter pair), or any Chinese string inside an exception class bar its docstrings.
    """
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
            if _catalogue_call(call):
                if _chinese_outside_pairs(source, call):
                    lines.append(node.lineno)
            elif CJK.search(ast.get_source_segment(source, call) or ""):
                lines.append(node.lineno)
        elif isinstance(node, ast.ClassDef) and _is_exception_class(node):
            docstrings = {id(sub.body[0].value) for sub in ast.walk(node)
                          if isinstance(sub, (ast.ClassDef, ast.FunctionDef)) and sub.body
                          and isinstance(sub.body[0], ast.Expr)}
            lines += sorted({sub.lineno for sub in ast.walk(node)
                             if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
                             and CJK.search(sub.value) and id(sub) not in docstrings})
    return lines


def test_no_two_language_value_error_anywhere():
    found = {f"{name}:{line}" for name, source in _modules() for line in _bare_refusals(source)}
    assert not found, f"raise Refusal.of(code, ...) with a catalogue code instead: {sorted(found)}"


def test_supervision_raises_only_catalogue_refusals():
    modules = {name: source for name, source in _modules() if name.startswith("supervision/")}
    assert {"supervision/notices.py", "supervision/outbox.py", "supervision/pdf.py",
            "supervision/ranking.py"} <= set(modules)
    found = {f"{name}:{line}" for name, source in modules.items() for line in _hand_written_anywhere(source)}
    assert not found, f"raise NoticeError.of / Refusal.of / PermissionDenied.of(code, ...) instead: {sorted(found)}"


#: Modules still writing some refusal by hand (to be converted; this set only shrinks).
NOT_YET_CONVERTED: set[str] = set()


def test_every_module_raises_only_catalogue_refusals():
    found = {name for name, source in _modules() for _ in _hand_written_anywhere(source)}
    assert not found - NOT_YET_CONVERTED, f"write the message in the catalogue: {sorted(found - NOT_YET_CONVERTED)}"
    assert not NOT_YET_CONVERTED - found, f"converted: drop from NOT_YET_CONVERTED {sorted(NOT_YET_CONVERTED - found)}"


def test_the_scan_sees_a_bare_refusal():
    assert _bare_refusals('def f(x):\n    raise ValueError(f"坏 {x} / bad {x}")\n') == [2]
    assert _bare_refusals('raise NoticeError("请填写", "required")\n') == [1]
    assert _bare_refusals('raise ValueError("internal: bad frame")\n') == []
    assert _hand_written_anywhere('raise PermissionDenied("无权", "not allowed")\n') == [1]
    assert _hand_written_anywhere('class E(RuntimeError):\n    def __init__(self):\n'
                                  '        super().__init__("没有字体 / no font")\n') == [3]
    assert _hand_written_anywhere('raise PermissionDenied.of("notice_stale", notice_id=1)\n') == []
    assert _hand_written_anywhere('raise FileExistsError(f"已存在：{p} / {p} exists")\n') == [1]
    assert _hand_written_anywhere('raise _bad(m, "分或秒不小于 60", "minutes of 60")\n') == [1]
    assert _hand_written_anywhere('raise file_error("file_type_unsupported", filename=f, accepted="CSV 或 xlsx")\n') == [1]
    assert _hand_written_anywhere('raise FieldError("species_unknown", f, value=v, suggestion="，是否为“松”？",\n'
                                  '                 suggestion_en=f"; did you mean {n!r}?")\n') == []
    assert _hand_written_anywhere('class Conflict(ValueError):\n    """冲突。"""\n    def __init__(self):\n'
                                  '        self.zh = "已被他人修改"\n') == [4]


def test_every_refusal_names_a_catalogue_code_and_fills_its_parameters():
    calls = [(name, line, code, given) for name, source in _modules() for line, code, given in _refusal_calls(source)]
    assert len(calls) >= 90
    for name, line, code, given in calls:
        assert code in CATALOGUE, f"{name}:{line}: unknown code {code!r}"
        assert given == CATALOGUE[code].params, f"{name}:{line}: {code} takes {sorted(CATALOGUE[code].params)}"


@pytest.mark.parametrize("call, code, zh, en", [
    (lambda: area_codes.check_code("4408"), "area_code_not_12_digits", "区划代码 '4408' 不是12位数字",
     "area code '4408' is not 12 digits"),
    (lambda: review.period_range("2024-13-01"), "period_bad", "应写作 2024、2024-03 或 2024-Q2",
     "must look like 2024, 2024-03 or 2024-Q2"),
    (lambda: users._role("gardener"), "role_unknown", "未知角色 'gardener'", "unknown role 'gardener'"),
    (lambda: crs.guess_crs(np.array([5.0, 6.0]), np.array([7.0, 8.0])), "crs_unrecognised", "无法识别坐标系",
     "cannot recognise the coordinate system"),
    (lambda: ranking.month_end("2024-6"), "ranking_month_bad", "月份 '2024-6' 应写作 2024-06",
     "month '2024-6' must look like 2024-06"),
    (lambda: outbox.parse_routes("wecom", "x"), "route_bad", "通知路由格式错误：'x'（应为 地区代码前缀=地址）",
     "bad notification route 'x' for wecom: expected code-prefix=target"),
    (lambda: outbox.parse_routes("email", "4408=nobody"), "route_email_bad", "邮箱地址无效：'nobody'",
     "not an e-mail address: 'nobody'"),
    (lambda: outbox.parse_routes("dingtalk", "4408=ftp://x"), "route_webhook_bad", "机器人地址应以 http(s):// 开头：'ftp://x'",
     "a robot webhook must be an http(s) URL: 'ftp://x'"),
    (lambda: states.next_state("closed", "report"), "notice_step_not_allowed", "督办单当前为“已办结”，不能上报整改",
     "a notice that is closed cannot be given 'report'"),
    (lambda: notices._text("", "督办事由", "the reasons", required=True), "notice_text_required", "请填写督办事由",
     "please fill in the reasons"),
    (lambda: notices._text("x" * 4001, "整改情况", "what was done", required=True), "notice_text_too_long",
     "整改情况过长（最多 4000 字）", "what was done may have at most 4000 characters"),
    (lambda: notices._text("a\x07b", "退回原因", "the reason for returning", required=True), "notice_text_control",
     "退回原因含有控制字符", "the reason for returning may not hold control characters"),
    (lambda: notices._addressees([{"name": "  "}]), "notice_no_addressee", "请至少填写一位受文责任人",
     "name at least one person the notice is addressed to"),
])
def test_converted_refusals_carry_their_code_and_both_languages(call, code, zh, en):
    with pytest.raises(Refusal) as caught:
        call()
    refusal = caught.value
    assert refusal.code == code
    assert zh in refusal.zh and en in refusal.en
    assert str(refusal) == f"{refusal.zh} / {refusal.en}"
    assert isinstance(refusal, ValueError)  # callers catching ValueError keep working


def test_account_refusals_keep_their_class_and_gain_a_code():
    with pytest.raises(WeakPassword) as weak:
        check_password_policy("aaaaaaaaaaaa")
    assert weak.value.code == "password_too_simple" and isinstance(weak.value, Refusal)
    assert str(weak.value) == "密码过于简单 / the password is too simple"
    with pytest.raises(AccountMisconfigured) as wrong:
        scope_for("gardener", None)
    assert wrong.value.code == "account_role_unknown" and wrong.value.en == "unknown role 'gardener'"


def test_refusal_params_hold_the_values_not_the_wording():
    with pytest.raises(Refusal) as caught:
        review.period_range("last week")
    assert caught.value.params == {"period": "last week"}
    assert caught.value.zh == "期间 'last week' 应写作 2024、2024-03 或 2024-Q2"


def test_notice_refusals_keep_the_classes_their_callers_catch():
    """ui/supervision_st.py catches NoticeError, ValueError and PermissionDenied; tests catch StaleNotice and
    IllegalTransition: each is still what it was, and now a Refusal with a code."""
    stale = notices.StaleNotice.of("notice_stale", number="湛绿督〔2024〕7号")
    assert isinstance(stale, notices.NoticeError) and isinstance(stale, Refusal) and isinstance(stale, ValueError)
    assert (stale.code, stale.zh, stale.en) == (
        "notice_stale", "督办单 湛绿督〔2024〕7号 已被他人处理，请刷新页面查看其现状",
        "notice 湛绿督〔2024〕7号 was changed by someone else: reload the page to see it")
    with pytest.raises(states.IllegalTransition) as illegal:
        states.next_state("issued", "close")
    assert isinstance(illegal.value, Refusal) and illegal.value.zh == "督办单当前为“已下发”，不能核验办结"
    denied = PermissionDenied.of("notice_not_in_scope", notice_id=12)
    assert isinstance(denied, PermissionError) and not isinstance(denied, ValueError)
    assert (denied.code, denied.params) == ("notice_not_in_scope", {"notice_id": 12})
    assert denied.zh == "督办单 12 不存在或不在您的管辖范围内。"
    assert denied.en == "Notice 12 does not exist or is outside your area." == str(denied)
    font = NoFont()
    assert isinstance(font, RuntimeError) and font.code == "pdf_no_font" and font.zh.startswith("未找到中文字体")
    near = NoMatch.within(30.0, 103.4)
    assert isinstance(near, ValueError) and near.code == "care_no_match_nearest"
    assert near.zh == "30 米内没有同树种的已核实植树记录（最近的同树种记录相距 103 米）"
    assert near.en == "no verified planting of this species within 30 m (the nearest of that species is 103 m away)"
    assert NoMatch.within(30.0, None).en == "no verified planting of this species within 30 m"


def test_refusals_survive_pickling():
    """The raster worker sends refusals back pickled; the default pickling called __init__ with the
    message alone, which the refusal classes refuse (TypeError in the app instead of the message)."""
    import pickle

    from greening.validation import FieldError

    for refusal in (Refusal.of("crs_missing"), FieldError("bad_number", "tree_count", value="abc"),
                    WeakPassword.of("password_too_short", limit=10), PermissionDenied("无权操作", "not allowed"),
                    PermissionDenied.of("notice_not_in_scope", notice_id=3),
                    notices.StaleNotice.of("notice_stale", number="湛绿督〔2024〕3号"), NoFont(), NoMatch.within(30, 40)):
        back = pickle.loads(pickle.dumps(refusal))
        assert type(back) is type(refusal) and str(back) == str(refusal)
        assert (back.code, back.zh, back.en, back.params) == (refusal.code, refusal.zh, refusal.en, refusal.params)
    assert pickle.loads(pickle.dumps(FieldError("bad_number", "tree_count", value="abc"))).field == "tree_count"


def test_permission_refusals_name_their_catalogue_code():
    from greening.actor import Actor
    from greening.models.enums import Role
    from greening.permissions import require

    lead = Actor(user_id=None, username="suixi-lead", role=Role.COUNTY_LEAD, scope_prefix="440823")
    cases = [((None, "dashboard.view"), "login_required", {}, "请先登录。", "Please log in first."),
             ((lead, "audit.view"), "role_may_not", {"action": "audit.view"}, "您的角色无权执行此操作（audit.view）。",
              "Your role may not do this (audit.view)."),
             ((lead, "village.view", "440882"), "area_out_of_scope", {"code": "440882"},
              "区域 440882 不在您的管辖范围内。", "Area 440882 is outside your area.")]
    for args, code, params, zh, en in cases:
        with pytest.raises(PermissionDenied) as denied:
            require(*args)
        assert (denied.value.code, denied.value.params, denied.value.zh, denied.value.en) == (code, params, zh, en)
        assert str(denied.value) == en


def test_refusals_that_stay_other_built_in_classes():
    """Catchers of FileExistsError, FileNotFoundError, RuntimeError and LookupError (the restore command,
    the admin raster page, the village page) keep working; each refusal now has a catalogue code."""
    from greening.backup import BackupToolMissing, RestoreMismatch, RestoreTargetInUse
    from greening.commands.static import StaticFetchFailed
    from greening.greencover.layers import RasterLayerMissing
    from greening.greencover.worker import WorkerError
    from greening.services.village_detail import VillageNotFound

    cases = [(RestoreTargetInUse.of("restore_target_file_exists", path="/tmp/x.sqlite"), FileExistsError,
              "目标数据库文件已存在：/tmp/x.sqlite（恢复只写入新文件）"),
             (BackupToolMissing.of("pg_tool_missing", name="pg_dump"), FileNotFoundError,
              "找不到 pg_dump（请安装 postgresql-client）"),
             (RestoreMismatch(["plantings: 3 rows, manifest 4"]), RuntimeError,
              "恢复后的数据与备份清单不一致：plantings: 3 rows, manifest 4"),
             (StaticFetchFailed.of("static_integrity_failed", package="leaflet@1.9.4", expected="sha512-a",
                                   actual="sha512-b"), RuntimeError, "leaflet@1.9.4：校验失败"),
             (RasterLayerMissing.of("raster_layer_missing", layer_id=4), LookupError, "没有图层 #4"),
             (WorkerError.of("raster_worker_timeout", seconds=3600), RuntimeError, "栅格处理超时"),
             (VillageNotFound.of("village_not_found", code="440823100001"), LookupError, "找不到村 440823100001")]
    for refusal, builtin, zh in cases:
        assert isinstance(refusal, builtin) and not isinstance(refusal, ValueError)
        assert refusal.code in CATALOGUE and refusal.zh == zh and str(refusal) == f"{refusal.zh} / {refusal.en}"
        assert not CJK.search(refusal.en)
    assert RestoreMismatch(["a", "b"]).problems == ["a", "b"]


def test_session_and_review_refusals_keep_their_classes():
    from greening.auth.sessions import PasswordChangeRequired, SessionEnded
    from greening.services.users import LastAdmin

    ended = SessionEnded.ended()
    assert isinstance(ended, PermissionDenied) and ended.code == "session_ended"
    assert ended.zh == "登录已失效，请重新登录。" and str(ended) == "Your session has ended; please log in again."
    change = PasswordChangeRequired()
    assert change.code == "password_change_required" and change.zh == "请先修改初始密码。"
    last = LastAdmin()
    assert isinstance(last, ValueError) and last.code == "last_admin"
    assert str(last) == "不能停用或降级最后一个启用的管理员 / the last active administrator cannot be disabled or demoted"
    conflict = review.Conflict(7)
    assert (conflict.code, conflict.zh, conflict.en, conflict.planting_id) == (
        "review_conflict", "记录已被他人修改，请刷新", "the record changed, reload", 7)


@pytest.mark.parametrize("call, code", [
    (lambda: ledger.read_table(b"<html>", "x.html"), "file_type_unsupported"),
    (lambda: ledger.read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls"), "file_type_unsupported"),
    (lambda: care._kind("watering"), "check_kind_unknown"),
    (lambda: boundary_files.read_boundary_file(b"x", filename="areas.txt"), "file_type_unsupported"),
])
def test_english_messages_hold_no_chinese(call, code):
    with pytest.raises(Refusal) as caught:
        call()
    assert caught.value.code == code and not CJK.search(caught.value.en), caught.value.en


def test_measure_catalogue_refusals_come_from_the_catalogue():
    """A rule parameter of the wrong type was 参数 pct 应为数值 / a number，实为 '85': English inside the Chinese."""
    from greening.coverage.rules import check_params
    from greening.measures import DEFAULT_PATH, CatalogueError, parse_catalogue

    (wrong,) = check_params("survival_at_least", {"pct": "85"})
    assert (wrong.code, wrong.zh, wrong.en) == ("rule_param_not_number", "参数 pct 应为数值，实为 '85'",
                                                "parameter pct must be a number, got '85'")
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace("rule: plan_exists", "rule: nope", 1)
    with pytest.raises(CatalogueError) as refused:
        parse_catalogue(text, "bad.yaml")
    error = refused.value
    assert isinstance(error, Refusal) and error.code == "measures_file_refused"
    assert [r.code for _, r in error.refusals] == ["measures_rule_unknown"]
    assert error.zh.startswith(f"措施目录 bad.yaml 第 {error.line} 行：未知规则 'nope'（可用：")
    assert error.en.startswith(f"catalogue bad.yaml, line {error.line}: unknown rule 'nope' (use one of: ")
    assert not CJK.search(error.en)
