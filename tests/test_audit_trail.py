"""The audit trail: every change recorded, nobody can edit it, admins filter and export it safely."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.audit import MissingActor
from greening.models import AuditLog, User
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.services import audit_trail as trail
from greening.services.audit_trail import safe_cell
from greening.validation.values import LOCAL_TZ
from tests.fixtures.accounts import SUIXI_V1, add_planting, fast_argon2, world  # noqa: F401

ADMIN = Actor(user_id=None, username="admin", role=Role.ADMIN)
LEAD = Actor(user_id=None, username="lead", role=Role.COUNTY_LEAD, scope_prefix="440823")


@pytest.fixture
def history(db):
    """A planting created, changed and (softly) deleted by a named lead."""
    w = world(db)
    install_scope(db, LEAD)
    p = add_planting(db, w, SUIXI_V1, "hist-1", count=5)
    p.tree_count = 6
    db.flush()
    p.deleted_at = dt.datetime.now(dt.UTC)
    db.flush()
    install_scope(db, Actor.system("tests"))
    db.flush()
    return p


class TestEveryChangeIsRecorded:
    def test_create_update_delete_with_before_and_after(self, db, history):
        df = trail.audit_trail(db, ADMIN, table="plantings", record_id=history.id)
        steps = df.sort_values("id")
        assert list(steps["action"]) == ["create", "update", "delete"]
        assert set(steps["username"]) == {"lead"}
        update_row = steps.iloc[1]
        assert '"tree_count": 5' in update_row["before"] and '"tree_count": 6' in update_row["after"]
        assert steps.iloc[0]["scope_code"] == SUIXI_V1

    def test_writing_without_an_actor_is_impossible(self, engine):
        with Session(engine) as s:
            s.add(User(username="ghost", display_name="ghost", role="admin", scope_prefix="4408"))
            with pytest.raises(MissingActor):
                s.flush()
            s.rollback()


class TestAppendOnly:
    @pytest.mark.parametrize("stmt", [
        update(AuditLog).values(note="edited"),
        delete(AuditLog),
        text("UPDATE audit_log SET username = 'someone else'"),
        text("DELETE FROM audit_log"),
    ], ids=["orm-update", "orm-delete", "sql-update", "sql-delete"])
    def test_the_database_refuses_changes(self, db, history, stmt):
        before = db.scalars(select(AuditLog.id)).all()
        assert before
        with pytest.raises(Exception, match="append-only"), db.begin_nested():
            db.execute(stmt.execution_options(synchronize_session=False) if not isinstance(stmt, type(text(""))) else stmt)
        assert db.scalars(select(AuditLog.id)).all() == before

    def test_orm_edit_of_a_row_is_refused(self, db, history):
        row = db.scalars(select(AuditLog)).first()
        with pytest.raises(Exception, match="append-only"), db.begin_nested():
            row.note = "tampered"
            db.flush()


class TestReading:
    def test_filters(self, db, history):
        everything = trail.audit_trail(db, ADMIN)
        assert len(everything) >= 3
        assert set(trail.audit_trail(db, ADMIN, username="lea")["username"]) == {"lead"}
        assert set(trail.audit_trail(db, ADMIN, action="delete")["record_id"]) == {str(history.id)}
        today = dt.datetime.now(LOCAL_TZ).date()  # a date filter means a day in Zhanjiang
        assert len(trail.audit_trail(db, ADMIN, since=today, until=today)) == len(everything)
        assert trail.audit_trail(db, ADMIN, until=today - dt.timedelta(days=1)).empty
        assert trail.audit_trail(db, ADMIN, since=today + dt.timedelta(days=1)).empty
        opts = trail.audit_filter_options(db, ADMIN)
        assert "plantings" in opts["tables"] and "delete" in opts["actions"]

    def test_times_and_days_are_zhanjiangs(self, db, history):
        """The page showed UTC times without saying so, 8 hours off for its users, and its date
        filter took UTC days: a change made at 07:00 in Zhanjiang was under the day before."""
        newest = trail.audit_trail(db, ADMIN).iloc[0]
        assert newest["at"].utcoffset() == dt.timedelta(hours=8)
        stored = db.scalar(select(AuditLog.at).where(AuditLog.id == int(newest["id"])))
        stored = stored if stored.tzinfo else stored.replace(tzinfo=dt.UTC)
        assert newest["at"] == stored
        day = newest["at"].date()
        assert int(newest["id"]) in trail.audit_trail(db, ADMIN, since=day, until=day)["id"].tolist()
        # the Zhanjiang day starts at 16:00 UTC of the day before
        assert trail._day_start(dt.date(2024, 6, 10)) == dt.datetime(2024, 6, 9, 16, tzinfo=dt.UTC)

    def test_filter_text_is_literal(self, db, history):
        for evil in ("' OR 1=1 --", "%", "_"):
            assert trail.audit_trail(db, ADMIN, username=evil).empty
            assert trail.audit_trail(db, ADMIN, record_id=evil).empty

    def test_only_administrators(self, db, history):
        for role in (Role.CITY, Role.COUNTY_LEAD, Role.TEAM):
            with pytest.raises(PermissionDenied):
                trail.audit_trail(db, Actor(user_id=None, username="x", role=role, scope_prefix="4408"))


class TestExport:
    def test_formula_cells_are_neutralised_numbers_kept(self):
        df = pd.DataFrame({
            "text": ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "＝1", "村", "-5", "a=b"],
            "n": [1, -5, 3, 0, 2, 7, 8, 9, 10, -1],
            "x": [-0.5] * 10,
        })
        rows = list(csv.reader(io.StringIO(trail.audit_csv(df).decode("utf-8-sig"), newline="")))
        assert rows[0] == ["text", "n", "x"]
        texts = [r[0] for r in rows[1:]]
        assert texts == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "'\rx", "'＝1", "村", "-5", "a=b"]
        assert [r[1] for r in rows[1:]] == ["1", "-5", "3", "0", "2", "7", "8", "9", "10", "-1"]
        assert {r[2] for r in rows[1:]} == {"-0.5"}

    def test_safe_cell(self):
        assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None
        assert safe_cell("=HYPERLINK(\"http://x\")").startswith("'=")
        assert safe_cell("1e5") == "1e5" and safe_cell("+86 759 1234") == "'+86 759 1234"

    def test_export_is_itself_recorded(self, db, history):
        install_scope(db, ADMIN)
        data = trail.export_audit_csv(db, ADMIN, table="plantings")
        text_ = data.decode("utf-8-sig")
        assert text_.splitlines()[0].startswith("id,at,username")
        assert "hist-1" in text_
        last = db.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
        assert (last.action, last.table_name, last.username) == ("export", "audit_log", "admin")
        assert "plantings" in last.note


class TestHookRegistration:
    """The hooks are registered explicitly, the models do not import the audit module, and the
    one way to drop queued entries is :func:`greening.audit.discard_pending`."""

    def test_models_import_without_the_audit_module_and_make_engine_installs_it(self, tmp_path):
        import subprocess
        import sys

        from greening.config import REPO_ROOT

        code = ("import sys, greening.models\n"
                "assert 'greening.audit' not in sys.modules, 'models import the audit module'\n"
                "from greening import audit\n"
                "assert not audit.installed()\n"
                f"from greening.db import make_engine\nmake_engine('sqlite:///{tmp_path}/a.sqlite')\n"
                "assert audit.installed()\n"
                "print('ok')\n")
        run = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
        assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]

    def test_discard_pending_drops_the_entries_of_a_failed_flush(self, db):
        from greening import audit

        w = world(db)
        p = add_planting(db, w, SUIXI_V1, "discard-1")
        before = db.scalar(select(func.count()).select_from(AuditLog))
        p.tree_count = 9
        audit._audit_flush(db, None, None)  # what before_flush queues for this change
        audit.discard_pending(db)
        audit._audit_after_flush(db, None)
        assert db.scalar(select(func.count()).select_from(AuditLog)) == before

    def test_no_module_reaches_into_the_queue(self):
        from greening.config import REPO_ROOT

        users = [str(path.relative_to(REPO_ROOT)) for path in (REPO_ROOT / "greening").rglob("*.py")
                 if path.name != "audit.py" and ("_audit_pending" in path.read_text(encoding="utf-8")
                                                   or "audit.pending" in path.read_text(encoding="utf-8"))]
        assert users == []
