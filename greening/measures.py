"""The 56-measure catalogue (data/measures.yaml): reading, validation and the Measure table.

The catalogue is a data file an administrator replaces with the official wording without
touching code (``python -m greening measures check FILE`` then ``measures load FILE``). Every
problem found is reported with the file and line, e.g.
``措施目录 data/measures.yaml 第 42 行：规则 survival_at_least 缺少参数 pct ...``.

Rules. Exactly 56 measures with ids M01..M56 (stable: attestations refer to them); plan 1-6;
level city/county/town/village; non-empty Chinese and English titles; evaluation either
``attestation`` (no rule, no params) or ``rule`` with a rule of
:mod:`greening.coverage.rules` allowed at that level and parameters of the right type and range.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.config import REPO_ROOT, get_settings
from greening.coverage.rules import RULES, check_params
from greening.models import Attestation, Measure, MeasureLevel
from greening.validation.catalogue import message
from greening.validation.errors import Refusal

__all__ = ["MeasureSpec", "Catalogue", "CatalogueError", "MEASURE_COUNT", "catalogue_path",
           "read_catalogue", "parse_catalogue", "load_catalogue", "sync_catalogue",
           "replace_catalogue"]

MEASURE_COUNT = 56
DEFAULT_PATH = REPO_ROOT / "data" / "measures.yaml"
_ID = re.compile(r"^M\d{2}$")
_MEASURE_KEYS = {"id", "plan", "level", "title_zh", "title_en", "evaluation", "rule", "params",
                 "note"}
_TOP_KEYS = {"catalogue", "plans", "measures"}


@dataclass(frozen=True)
class MeasureSpec:
    """One measure as written in the catalogue (``line``: where it starts in the file)."""

    id: str
    plan: int
    level: str
    title_zh: str
    title_en: str
    evaluation: str  # "rule" | "attestation"
    rule: str | None = None
    params: dict = field(default_factory=dict)
    line: int = 0

    @property
    def is_rule(self) -> bool:
        return self.evaluation == "rule"


@dataclass(frozen=True)
class Catalogue:
    path: str
    measures: list[MeasureSpec]
    plans: dict[int, dict]
    meta: dict


class CatalogueError(Refusal):
    """A catalogue file is refused (code ``measures_file_refused``): ``path``, ``line`` and ``problem``
    of the first problem; ``problems`` lists every (line, "zh / en") found, ``refusals`` every
    (line, catalogue refusal). ``zh`` and ``en`` name every bad line, one a line."""

    def __init__(self, path: str, refusals: list[tuple[int, Refusal]]):
        refusals = sorted(refusals, key=lambda p: p[0])
        self.path = str(path)
        self.refusals = refusals
        self.problems = [(line, str(refusal)) for line, refusal in refusals]
        self.line, self.problem = self.problems[0]
        lines = [message("measures_line", path=self.path, line=line, problem=r.zh, problem_en=r.en)
                 for line, r in refusals]
        zh, en = message("measures_file_refused", path=self.path, count=len(refusals), line=self.line)
        super().__init__("measures_file_refused", "\n".join([*(z for z, _ in lines), zh]),
                         "\n".join([*(e for _, e in lines), en]), {"path": self.path, "count": len(refusals)})


def catalogue_path() -> Path:
    """The catalogue in force: the ``measures_path`` setting when there is one, else the shipped
    data/measures.yaml."""
    return get_settings().catalogue_file


def load_catalogue(path: str | Path | None = None) -> list[MeasureSpec]:
    """The validated measures of the catalogue at ``path`` (default :func:`catalogue_path`)."""
    return read_catalogue(path).measures


def read_catalogue(path: str | Path | None = None) -> Catalogue:
    """The validated catalogue (measures, plan titles, header) at ``path``."""
    path = Path(path) if path is not None else catalogue_path()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise CatalogueError(str(path), [(line, Refusal.of("measures_not_utf8"))]) from None
    return parse_catalogue(text, str(path))


def parse_catalogue(text: str, path: str = "<text>") -> Catalogue:
    """Validate catalogue ``text``; raise :class:`CatalogueError` naming every bad line."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CatalogueError(path, [((mark.line + 1) if mark else 1,
                                     Refusal.of("measures_yaml_syntax", problem=exc.problem))]) from None
    finally:
        loader.dispose()
    return _Checker(loader, path).catalogue(root)


class _Checker:
    """Walks the YAML node tree so every problem carries its line number."""

    def __init__(self, loader, path: str):
        self.loader, self.path = loader, path
        self.problems: list[tuple[int, Refusal]] = []

    def fail(self, node, problem: str | Refusal, /, **params) -> None:
        """Note a problem at ``node``: a catalogue code and its parameters, or a refusal made elsewhere."""
        refusal = problem if isinstance(problem, Refusal) else Refusal.of(problem, **params)
        self.problems.append((node.start_mark.line + 1, refusal))

    def value(self, node):
        return self.loader.construct_object(node, deep=True)

    def mapping(self, node, what: str, what_en: str) -> dict | None:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, "measures_not_mapping", what=what, what_en=what_en)
            return None
        out = {}
        for k, v in node.value:
            key = self.value(k)
            if key in out:
                self.fail(k, "measures_key_repeated", what=what, what_en=what_en, key=key)
            out[key] = (k, v)
        return out

    def catalogue(self, root) -> Catalogue:
        if root is None:
            raise CatalogueError(self.path, [(1, Refusal.of("measures_empty"))])
        top = self.mapping(root, "文件顶层", "the top level") or {}
        for key, (knode, _v) in top.items():
            if key not in _TOP_KEYS:
                self.fail(knode, "measures_top_key_unknown", key=key, keys=sorted(_TOP_KEYS))
        meta = self.value(top["catalogue"][1]) if "catalogue" in top else {}
        plans = self.plans(top["plans"][1]) if "plans" in top else {}
        measures: list[MeasureSpec] = []
        if "measures" not in top:
            self.fail(root, "measures_list_missing")
        elif not isinstance(top["measures"][1], yaml.SequenceNode):
            self.fail(top["measures"][1], "measures_not_list")
        else:
            measures = self.measures(top["measures"][0], top["measures"][1])
        if self.problems:
            raise CatalogueError(self.path, self.problems)
        return Catalogue(self.path, measures, plans, meta if isinstance(meta, dict) else {})

    def plans(self, node) -> dict[int, dict]:
        out = {}
        for key, (knode, vnode) in (self.mapping(node, "plans", "plans") or {}).items():
            if isinstance(key, bool) or not isinstance(key, int) or not 1 <= key <= 6:
                self.fail(knode, "measures_plan_number_bad", key=key)
                continue
            val = self.value(vnode)
            if not isinstance(val, dict) or not str(val.get("title_zh") or "").strip():
                self.fail(vnode, "measures_plan_no_title", key=key)
                continue
            out[key] = val
        return out

    def measures(self, key_node, node) -> list[MeasureSpec]:
        specs: list[MeasureSpec] = []
        seen: dict[str, int] = {}
        duplicates = 0
        for item in node.value:
            mid, spec = self.measure(item)
            if isinstance(mid, str) and mid in seen:
                duplicates += 1
                self.fail(item, "measures_id_repeated", id=mid, first=seen[mid])
                continue
            if isinstance(mid, str):
                seen[mid] = item.start_mark.line + 1
            if spec is not None:
                specs.append(spec)
        if len(node.value) != MEASURE_COUNT:
            self.fail(key_node, "measures_count", expected=MEASURE_COUNT, found=len(node.value))
        expected = {f"M{i:02d}" for i in range(1, MEASURE_COUNT + 1)}
        missing = sorted(expected - set(seen))
        if missing and len(node.value) == MEASURE_COUNT and not duplicates:
            self.fail(key_node, "measures_ids_missing", ids=", ".join(missing))
        plans_used = {s.plan for s in specs}
        empty = sorted(set(range(1, 7)) - plans_used)
        if specs and empty:
            self.fail(key_node, "measures_plan_empty", plans=empty)
        return sorted(specs, key=lambda s: s.id)

    def measure(self, node) -> tuple[object, MeasureSpec | None]:
        """(the id as written, the measure or None when it has problems)."""
        fields_ = self.mapping(node, "措施", "a measure")
        if fields_ is None:
            return None, None
        before = len(self.problems)
        for key, (knode, _v) in fields_.items():
            if key not in _MEASURE_KEYS:
                self.fail(knode, "measures_field_unknown", key=key)
        got = {}
        for key in ("id", "plan", "level", "title_zh", "title_en", "evaluation"):
            if key not in fields_:
                self.fail(node, "measures_field_missing", key=key)
                continue
            got[key] = (fields_[key][1], self.value(fields_[key][1]))
        self._check_basic(got)
        ev = got.get("evaluation", (None, None))[1]
        rule = params = None
        if ev == "rule":
            rule, params = self._check_rule(node, fields_, got.get("level", (None, None))[1])
        elif ev == "attestation":
            for key in ("rule", "params"):
                if key in fields_:
                    self.fail(fields_[key][0], "measures_attestation_takes_no", key=key)
        mid = got.get("id", (None, None))[1]
        if len(self.problems) > before:
            return mid, None
        return mid, MeasureSpec(id=got["id"][1], plan=got["plan"][1], level=got["level"][1],
                           title_zh=got["title_zh"][1].strip(), title_en=got["title_en"][1].strip(),
                           evaluation=ev, rule=rule, params=params or {},
                           line=node.start_mark.line + 1)

    def _check_basic(self, got: dict) -> None:
        if "id" in got and not (isinstance(got["id"][1], str) and _ID.match(got["id"][1])):
            self.fail(got["id"][0], "measures_id_bad", value=got["id"][1])
        if "plan" in got:
            plan = got["plan"][1]
            if isinstance(plan, bool) or not isinstance(plan, int) or not 1 <= plan <= 6:
                self.fail(got["plan"][0], "measures_plan_bad", value=plan)
        if "level" in got and got["level"][1] not in set(MeasureLevel):
            self.fail(got["level"][0], "measures_level_unknown", value=got["level"][1])
        for key in ("title_zh", "title_en"):
            if key in got and not (isinstance(got[key][1], str) and got[key][1].strip()):
                self.fail(got[key][0], "measures_field_empty", key=key)
        if "evaluation" in got and got["evaluation"][1] not in ("rule", "attestation"):
            self.fail(got["evaluation"][0], "measures_evaluation_bad", value=got["evaluation"][1])

    def _check_rule(self, node, fields_, level):
        if "rule" not in fields_:
            self.fail(node, "measures_rule_missing")
            return None, None
        rnode = fields_["rule"][1]
        name = self.value(rnode)
        if name not in RULES:
            self.fail(rnode, "measures_rule_unknown", name=name, rules=", ".join(sorted(RULES)))
            return None, None
        if level in set(MeasureLevel) and level not in RULES[name].levels:
            self.fail(rnode, "measures_rule_level", name=name, level=level, levels=sorted(RULES[name].levels))
        pnode = fields_.get("params", (None, None))[1]
        params = self.value(pnode) if pnode is not None else {}
        if params is None:
            params = {}
        if not isinstance(params, dict):
            self.fail(pnode, "measures_params_not_mapping")
            return name, None
        for problem in check_params(name, params):
            self.fail(pnode if pnode is not None else rnode, problem)
        return name, params


# -- the Measure table --------------------------------------------------------------------
def sync_catalogue(session: Session, path: str | Path | None = None) -> dict[str, int]:
    """Make the Measure table match the catalogue file: insert new ids, update changed fields.

    Idempotent (a second run changes nothing) and works on an empty database. Measures that the
    file no longer has are removed unless attestations refer to them (then kept and counted as
    ``kept``). Returns counts: added, updated, unchanged, removed, kept.
    """
    specs = load_catalogue(path)
    existing = {m.id: m for m in session.scalars(select(Measure))}
    counts = dict.fromkeys(("added", "updated", "unchanged", "removed", "kept"), 0)
    for spec in specs:
        values = {"plan": spec.plan, "title_zh": spec.title_zh, "title_en": spec.title_en,
                  "level": spec.level, "evaluation": spec.evaluation, "rule": spec.rule,
                  "params": dict(spec.params)}
        row = existing.pop(spec.id, None)
        if row is None:
            session.add(Measure(id=spec.id, **values))
            counts["added"] += 1
            continue
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        for k, v in changed.items():
            setattr(row, k, v)
        counts["updated" if changed else "unchanged"] += 1
    if existing:
        used = set(session.scalars(select(Attestation.measure_id).where(
            Attestation.measure_id.in_(list(existing))).distinct()))
        for mid, row in existing.items():
            if mid in used:
                counts["kept"] += 1
            else:
                session.delete(row)
                counts["removed"] += 1
    session.flush()
    return counts


def replace_catalogue(session: Session, source: str | Path,
                      target: str | Path | None = None) -> dict[str, int]:
    """Validate ``source``, copy it over the catalogue in force, and sync the Measure table.

    Nothing is written when ``source`` is refused. The copy replaces the file atomically.
    """
    source = Path(source)
    read_catalogue(source)  # raises CatalogueError naming the bad line
    target = Path(target) if target is not None else get_settings().catalogue_target
    data = source.read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".measures-", suffix=".yaml")
    previous = target.read_bytes() if target.exists() else None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
        return sync_catalogue(session, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if previous is not None:  # the database write failed: put the old file back
            target.write_bytes(previous)
        raise
