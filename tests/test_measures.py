"""The measure catalogue: the shipped file, refusals naming the bad line, and the Measure table."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from greening.measures import (
    DEFAULT_PATH,
    CatalogueError,
    load_catalogue,
    parse_catalogue,
    read_catalogue,
    replace_catalogue,
    sync_catalogue,
)
from greening.models import Measure

TEXT = DEFAULT_PATH.read_text(encoding="utf-8")


def line_of(text: str, fragment: str, nth: int = 0) -> int:
    """1-based line number of the ``nth`` line containing ``fragment``."""
    hits = [i for i, ln in enumerate(text.splitlines(), start=1) if fragment in ln]
    return hits[nth]


def refused(text: str) -> CatalogueError:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(text, "broken.yaml")
    return info.value


class TestShippedCatalogue:
    def test_56_measures_under_six_plans(self):
        cat = read_catalogue()
        assert [m.id for m in cat.measures] == [f"M{i:02d}" for i in range(1, 57)]
        assert set(Counter(m.plan for m in cat.measures)) == {1, 2, 3, 4, 5, 6}
        assert cat.plans[2]["title_zh"] == "组织领航扩绿"

    def test_says_it_is_a_working_catalogue(self):
        assert read_catalogue().meta["status"] == "working"
        assert "to be replaced by the official text" in TEXT

    def test_titles_from_the_article_and_practice(self):
        titles = {m.title_zh for m in load_catalogue()}
        for t in ("建立村级党员护绿队", "驻村第一书记/党建指导员到位", "成活率不低于85%",
                  "制定一村一图种植计划（定地点、定树种、定数量）", "种植计划完成率达到90%"):
            assert t in titles

    def test_both_kinds_of_evaluation(self):
        kinds = Counter(m.evaluation for m in load_catalogue())
        assert kinds["rule"] > 20 and kinds["attestation"] > 10


class TestRefusals:
    def test_unknown_rule_names_its_line(self):
        text = TEXT.replace("rule: has_graded_cadre", "rule: has_graded_cadres")
        err = refused(text)
        assert err.line == line_of(text, "rule: has_graded_cadres")
        assert "has_graded_cadres" in str(err) and "broken.yaml" in str(err)
        assert f"第 {err.line} 行" in str(err)

    def test_parameter_out_of_range(self):
        text = TEXT.replace("params: {pct: 85}", "params: {pct: 185}")
        err = refused(text)
        assert err.line == line_of(text, "params: {pct: 185}") and "185" in err.problem

    def test_parameter_of_the_wrong_type(self):
        text = TEXT.replace("params: {n: 2}", "params: {n: two}")
        assert "n" in refused(text).problem

    def test_duplicate_id_names_both_lines(self):
        text = TEXT.replace("- id: M30", "- id: M29")
        err = refused(text)
        assert err.line == line_of(text, "- id: M29", 1)
        assert str(line_of(text, "- id: M29", 0)) in err.problem

    def test_wrong_count(self):
        cut = TEXT.index("  - id: M56")
        err = refused(TEXT[:cut])
        assert "56" in err.problem and "55" in err.problem

    @pytest.mark.parametrize("old,new,fragment", [
        ("level: village\n    title_zh: 建立村级党员护绿队", "level: hamlet\n    title_zh: 建立村级党员护绿队", "hamlet"),
        ("plan: 6\n    level: county", "plan: 7\n    level: county", "7"),
        ("title_zh: 创建示范村", "title_zh: ''", "title_zh"),
        ("    evaluation: attestation\n  - id: M02", "    evaluation: vote\n  - id: M02", "vote"),
        ("  - id: M01\n", "  - id: M01\n    colour: green\n", "colour"),
    ])
    def test_field_problems(self, old, new, fragment):
        assert old in TEXT
        err = refused(TEXT.replace(old, new, 1))
        assert fragment in err.problem

    def test_rule_not_allowed_at_level(self):
        text = TEXT.replace("level: village\n    title_zh: 近30天有植绿或管护活动",
                            "level: county\n    title_zh: 近30天有植绿或管护活动")
        err = refused(text)
        assert "active_within_days" in err.problem
        assert err.line == line_of(text, "rule: active_within_days")

    def test_attestation_with_a_rule(self):
        text = TEXT.replace("    evaluation: attestation\n  - id: M02",
                            "    evaluation: attestation\n    rule: plan_exists\n  - id: M02")
        assert refused(text).line == line_of(text, "rule: plan_exists")

    def test_yaml_syntax_error(self):
        err = refused(TEXT.replace("params: {n: 2}", "params: {n: 2"))
        assert "YAML" in err.problem

    def test_empty_and_non_utf8_files(self, tmp_path):
        with pytest.raises(CatalogueError):
            parse_catalogue("", "empty.yaml")
        f = tmp_path / "gbk.yaml"
        f.write_bytes(TEXT.encode("gb18030"))
        with pytest.raises(CatalogueError, match="UTF-8"):
            read_catalogue(f)

    def test_every_problem_is_reported(self):
        text = TEXT.replace("params: {pct: 85}", "params: {pct: 185}").replace(
            "rule: has_graded_cadre", "rule: nope")
        assert len(refused(text).problems) == 2


class TestMeasureTable:
    def test_sync_on_an_empty_database_is_idempotent(self, db):
        first = sync_catalogue(db)
        assert first["added"] == 56
        again = sync_catalogue(db)
        assert again == {"added": 0, "updated": 0, "unchanged": 56, "removed": 0, "kept": 0}
        m = db.get(Measure, "M46")
        assert (m.rule, m.params, m.level) == ("survival_at_least", {"pct": 85}, "village")

    def test_replacement_with_new_titles_changes_titles_only(self, db, tmp_path):
        sync_catalogue(db)
        before = {m.id: (m.plan, m.level, m.rule, m.params) for m in db.scalars(select(Measure))}
        official = tmp_path / "official.yaml"
        official.write_text(TEXT.replace("title_zh: 建立村级党员护绿队",
                                         "title_zh: 组建村级党员护绿队（正式文本）"), encoding="utf-8")
        target = tmp_path / "in_force.yaml"
        counts = replace_catalogue(db, official, target)
        assert counts["updated"] == 1 and counts["unchanged"] == 55
        assert db.get(Measure, "M13").title_zh == "组建村级党员护绿队（正式文本）"
        after = {m.id: (m.plan, m.level, m.rule, m.params) for m in db.scalars(select(Measure))}
        assert after == before
        assert target.read_text(encoding="utf-8") == official.read_text(encoding="utf-8")

    def test_a_refused_replacement_writes_nothing(self, db, tmp_path):
        sync_catalogue(db)
        bad = tmp_path / "bad.yaml"
        bad.write_text(TEXT.replace("rule: plan_exists", "rule: nope", 1), encoding="utf-8")
        target = tmp_path / "in_force.yaml"
        target.write_text(TEXT, encoding="utf-8")
        with pytest.raises(CatalogueError, match="nope"):
            replace_catalogue(db, bad, target)
        assert target.read_text(encoding="utf-8") == TEXT
        assert db.get(Measure, "M04").rule == "plan_exists"


class TestCommands:
    def test_measures_check_command(self, capsys, tmp_path):
        from greening.cli import main

        assert main(["measures", "check", str(DEFAULT_PATH)]) == 0
        assert "56" in capsys.readouterr().out
        bad = tmp_path / "bad.yaml"
        bad.write_text(TEXT.replace("rule: plan_exists", "rule: nope", 1), encoding="utf-8")
        assert main(["measures", "check", str(bad)]) == 2
        err = capsys.readouterr().err
        assert f"第 {line_of(bad.read_text(encoding='utf-8'), 'rule: nope')} 行" in err

    def test_measures_load_command_replaces_and_syncs(self, fresh_engine, tmp_path, monkeypatch,
                                                      capsys):
        from greening.cli import main
        from greening.config import get_settings, override_settings

        shipped = DEFAULT_PATH.read_bytes()
        in_force = tmp_path / "measures.yaml"  # the data folder's replacement
        official = tmp_path / "official.yaml"
        official.write_text(TEXT.replace("title_zh: 创建示范村", "title_zh: 创建绿美示范村"),
                            encoding="utf-8")
        url = fresh_engine.url.render_as_string(hide_password=False)
        with override_settings(database_url=url, data_dir=tmp_path):
            assert main(["measures", "load", str(official)]) == 0
            assert get_settings().catalogue_file == in_force  # the replacement is now in force
        assert "added 56" in capsys.readouterr().out
        assert in_force.read_bytes() == official.read_bytes()
        assert DEFAULT_PATH.read_bytes() == shipped  # the shipped catalogue is never overwritten
        with fresh_engine.connect() as conn:
            title = conn.execute(select(Measure.title_zh).where(Measure.id == "M21")).scalar_one()
        assert title == "创建绿美示范村"

    def test_shipped_path_is_the_default(self):
        assert Path(__file__).resolve().parent.parent / "data" / "measures.yaml" == DEFAULT_PATH
