"""Figures are reported as of a sensible date: configured, the demo's snapshot, or today."""
from __future__ import annotations

import datetime as dt

import pytest

from greening.config import override_settings
from greening.coverage.load import report_date


def test_demo_database_reports_as_of_the_demo_snapshot(demo_engine):
    from greening.demo.calendar import AS_OF

    with demo_engine.connect() as conn:
        assert report_date(conn) == AS_OF


def test_empty_database_reports_as_of_today(engine):
    with engine.connect() as conn:
        assert report_date(conn) == dt.date.today()


def test_setting_wins_and_bad_value_is_named(engine):
    with engine.connect() as conn:
        with override_settings(as_of="2025-03-12"):
            assert report_date(conn) == dt.date(2025, 3, 12)
        with override_settings(as_of="12/03/2025"), pytest.raises(ValueError, match="GREENING_AS_OF"):
            report_date(conn)
