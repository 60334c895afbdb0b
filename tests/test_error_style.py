"""One error style: a user is refused with a catalogue :class:`Refusal`, never a bare two-language ValueError.

The scan reads every module of ``greening/``: a ``raise ValueError(...)`` whose message holds Chinese
is a refusal written by hand (its wording outside the catalogue, no code for reports or tests).
Internal programming errors stay plain ``ValueError`` in English. Every ``Refusal.of(code, ...)``
written with a literal code names a catalogue entry and fills exactly the entry's parameters.
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
from greening.services import review, users
from greening.validation import CATALOGUE, Refusal

ROOT = Path(__file__).resolve().parents[1] / "greening"
CJK = re.compile(r"[\u4e00-\u9fff]")
# Classes whose message was once written by hand in both languages; they are refusals now.
HAND_WRITTEN = {"ValueError", "WeakPassword", "AccountMisconfigured", "RasterRefused"}
REFUSAL_CLASSES = {"Refusal", "WeakPassword", "AccountMisconfigured", "RasterRefused"}

# Modules still raising two-language ValueErrors, to be converted with the notices work under way there.
# Shrink this list; never add to it.
PENDING = {"supervision/outbox.py", "supervision/pdf.py", "supervision/ranking.py"}


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
                and isinstance(node.func.value, ast.Name) and node.func.value.id in REFUSAL_CLASSES
                and node.args and isinstance(node.args[0], ast.Constant)):
            yield node.lineno, node.args[0].value, {k.arg for k in node.keywords}


def test_no_two_language_value_error_outside_the_pending_list():
    found = {f"{name}:{line}" for name, source in _modules() if name not in PENDING
             for line in _bare_refusals(source)}
    assert not found, f"raise Refusal.of(code, ...) with a catalogue code instead: {sorted(found)}"


def test_the_pending_list_holds_only_modules_still_pending():
    still = {name for name, source in _modules() if _bare_refusals(source)}
    assert not PENDING - still, f"converted, drop from PENDING: {sorted(PENDING - still)}"


def test_the_scan_sees_a_bare_refusal():
    assert _bare_refusals('def f(x):\n    raise ValueError(f"坏 {x} / bad {x}")\n') == [2]
    assert _bare_refusals('raise ValueError("internal: bad frame")\n') == []


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


def test_refusals_survive_pickling():
    """The raster worker sends refusals back pickled; the default pickling called __init__ with the
    message alone, which the refusal classes refuse (TypeError in the app instead of the message)."""
    import pickle

    from greening.permissions import PermissionDenied
    from greening.validation import FieldError

    for refusal in (Refusal.of("crs_missing"), FieldError("bad_number", "tree_count", value="abc"),
                    WeakPassword.of("password_too_short", limit=10), PermissionDenied("无权操作", "not allowed")):
        back = pickle.loads(pickle.dumps(refusal))
        assert type(back) is type(refusal) and str(back) == str(refusal)
        assert (back.code, back.zh, back.en, back.params) == (refusal.code, refusal.zh, refusal.en, refusal.params)
    assert pickle.loads(pickle.dumps(FieldError("bad_number", "tree_count", value="abc"))).field == "tree_count"
