"""The review queue: total, newest first, pages, and the filters (dates, village, team, flags)."""
from __future__ import annotations

import datetime as dt

import pytest

from greening.actor import Actor
from greening.models import Photo
from greening.models.enums import Role
from greening.permissions import PermissionDenied
from greening.services.review_queue import (
    ANY_FLAG,
    NO_PHOTO,
    QueueFilter,
    queue_options,
    queue_page,
    record_photos,
)
from tests.fixtures.accounts import LEIZHOU_V1, SUIXI_V1, SUIXI_V2, add_planting, fast_argon2, world  # noqa: F401

TOWN_LEAD = Actor(user_id=None, username="town-lead", role=Role.TOWN_LEAD, scope_prefix="440823101")
TEAM = Actor(user_id=None, username="team", role=Role.TEAM, scope_prefix=SUIXI_V1)
UTC = dt.UTC


@pytest.fixture
def pending(db):
    """25 records in 甲村 submitted one hour apart (the last the newest), 3 in 乙村, 1 in 雷州."""
    w = world(db)
    start = dt.datetime(2024, 6, 1, 0, 30, tzinfo=UTC)
    records = []
    for i in range(25):
        p = add_planting(db, w, SUIXI_V1, f"v1-{i:02d}", flush=False)
        p.created_at = start + dt.timedelta(hours=i)
        records.append(p)
    for i in range(3):
        p = add_planting(db, w, SUIXI_V2, f"v2-{i}", flush=False)
        p.created_at = start + dt.timedelta(days=3, hours=i)
        records.append(p)
    add_planting(db, w, LEIZHOU_V1, "far", flush=False).created_at = start + dt.timedelta(days=9)
    db.flush()
    return w, records


class TestQueuePage:
    def test_total_newest_first_and_pages(self, db, pending):
        _, records = pending
        first = queue_page(db, TOWN_LEAD, page_size=10)
        assert (first.total, first.pages, first.page, len(first.rows)) == (28, 3, 1, 10)
        # the newest submissions (乙村's, three days later) come first
        assert list(first.rows["id"][:3]) == [records[27].id, records[26].id, records[25].id]
        assert list(first.rows["id"][3:5]) == [records[24].id, records[23].id]
        last = queue_page(db, TOWN_LEAD, page=3, page_size=10)
        assert len(last.rows) == 8 and last.rows["id"].iloc[-1] == records[0].id
        beyond = queue_page(db, TOWN_LEAD, page=99, page_size=10)
        assert beyond.page == 3
        assert {"id", "version", "village", "team", "flags", "photos", "photo_flags"} <= set(first.rows.columns)

    def test_filters_by_village_team_and_date(self, db, pending):
        w, records = pending
        assert queue_page(db, TOWN_LEAD, QueueFilter(village_code=SUIXI_V2)).total == 3
        assert queue_page(db, TOWN_LEAD, QueueFilter(team_id=w.teams[SUIXI_V1].id)).total == 25
        # 2024-06-01 00:30 UTC + 0..24 h: in China time (UTC+8) that is 06-01 08:30 to 06-02 08:30
        one_day = queue_page(db, TOWN_LEAD, QueueFilter(since=dt.date(2024, 6, 2), until=dt.date(2024, 6, 2)))
        assert one_day.total == 9  # 06-02 00:30 .. 08:30 China time
        assert queue_page(db, TOWN_LEAD, QueueFilter(since=dt.date(2024, 6, 4))).total == 3

    def test_filters_by_flags_of_the_record_and_of_its_photos(self, db, pending):
        _, records = pending
        records[3].flags = ["outside_claimed_village"]
        db.add(Photo(planting_id=records[5].id, stored_name="a.jpg", thumb_name="a_t.jpg", content_type="image/jpeg",
                     size_bytes=10, sha256="0" * 64, flags=["no_gps", "time_far"]))
        db.add(Photo(planting_id=records[6].id, stored_name="b.jpg", thumb_name="b_t.jpg", content_type="image/jpeg",
                     size_bytes=10, sha256="1" * 64, flags=[]))
        db.flush()
        ids = lambda flag: set(queue_page(db, TOWN_LEAD, QueueFilter(flag=flag), page_size=100).rows["id"])  # noqa: E731
        assert ids(ANY_FLAG) == {records[3].id, records[5].id}
        assert ids("outside_claimed_village") == {records[3].id}
        assert ids("no_gps") == ids("time_far") == {records[5].id}
        assert ids("too_far") == set()
        assert len(ids(NO_PHOTO)) == 26
        row = queue_page(db, TOWN_LEAD, QueueFilter(flag="no_gps")).rows.iloc[0]
        assert (row["photos"], row["photo_flags"]) == (1, ["no_gps", "time_far"])
        with pytest.raises(ValueError, match="未知的标记"):
            queue_page(db, TOWN_LEAD, QueueFilter(flag="nonsense"))

    def test_options_photos_and_scope(self, db, pending):
        w, records = pending
        options = queue_options(db, TOWN_LEAD)
        assert list(options["villages"]["code"]) == [SUIXI_V1, SUIXI_V2]
        assert list(options["villages"]["pending"]) == [25, 3]
        assert set(options["teams"]["id"]) == {w.teams[SUIXI_V1].id, w.teams[SUIXI_V2].id}
        far = queue_page(db, Actor(None, "c", Role.COUNTY_LEAD, scope_prefix="440882")).rows
        db.add(Photo(planting_id=int(far["id"].iloc[0]), stored_name="c.jpg", content_type="image/jpeg",
                     size_bytes=10, sha256="2" * 64, flags=[]))
        db.flush()
        assert record_photos(db, TOWN_LEAD, int(far["id"].iloc[0])) == []  # another county's record
        with pytest.raises(PermissionDenied):
            queue_page(db, TEAM)
