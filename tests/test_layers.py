"""Import rules between layers: pages -> ui -> greening; greening never imports streamlit, ui or pages."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "greening": {"streamlit", "ui", "pages", "app", "streamlit_folium"},
    "ui": {"pages", "app"},
}


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports (anywhere in the file, even in functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in {
                "import_module", "__import__"} and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value).split(".")[0])
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layer_imports(package):
    files = python_files(package)
    if package == "greening":
        assert len(files) > 10, "the domain package should be there"
    bad = {str(f.relative_to(ROOT)): sorted(imported_modules(f) & FORBIDDEN[package]) for f in files}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_checker_sees_imports_inside_functions(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("def f():\n    import streamlit as st\n    from ui.engine import x\n"
                 "    importlib.import_module('pages.review')\n")
    assert imported_modules(f) == {"streamlit", "ui", "pages"}


def forms_cleared_on_submit(path: Path) -> list[int]:
    """Lines of ``st.form(...)`` calls in ``path`` that may clear on submit (anything but the default
    or an explicit ``False``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "form":
            given = {k.arg: k.value for k in node.keywords}
            value = given.get("clear_on_submit", ast.Constant(False))
            if not (isinstance(value, ast.Constant) and value.value is False):
                lines.append(node.lineno)
    return lines


def test_no_form_is_cleared_by_the_browser():
    """A busy server merges a double press into one request with the second press's values, and a
    form cleared on submit sends empty values then (see ui/forms.py; the browser tests of the review
    and log-in double presses show it). A form to start afresh takes a new round instead."""
    files = [ROOT / "app.py", *python_files("ui"), *python_files("pages")]
    found = {str(f.relative_to(ROOT)): forms_cleared_on_submit(f) for f in files}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_form_checker_sees_a_cleared_form(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("with st.form('a', clear_on_submit=True):\n    pass\nwith st.form('b'):\n    pass\n"
                 "with st.form('c', clear_on_submit=False):\n    pass\n")
    assert forms_cleared_on_submit(f) == [1]


def test_the_page_files_are_where_the_navigation_finds_them():
    """Every page of the navigation exists, each address once, and every file of ``pages/`` is in
    the navigation (a file left out would be reachable only through Streamlit's automatic page
    list of the folder, which :func:`ui.app_navigation.through_the_app` turns off)."""
    from ui.app_navigation import PAGES, url_path

    assert [e.file for e in PAGES if not (ROOT / e.file).is_file()] == []
    assert len({url_path(e) for e in PAGES}) == len(PAGES)
    assert sorted(p.relative_to(ROOT).as_posix() for p in python_files("pages")) == sorted(e.file for e in PAGES)
