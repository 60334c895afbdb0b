"""The read-only views the pages use (greening.services.area_views, planting_views, roster_views,
village_detail) and the attestation service, on
the demo campaign, on SpatiaLite and PostGIS."""
from __future__ import annotations

import pytest
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from greening.actor import Actor
from greening.models import AuditLog, Measure
from greening.models.enums import Role
from greening.permissions import PermissionDenied, install_scope
from greening.services.area_views import area_frame, has_demo_data, village_at
from greening.services.attestations import AttestationError, create_attestation
from greening.services.planting_views import planting_points, weekly_plantings
from greening.services.roster_views import designations_frame, teams_frame
from greening.services.village_detail import village_detail

CITY = Actor(None, "city", Role.CITY)
SUIXI = Actor(None, "suixi", Role.COUNTY_LEAD, scope_prefix="440823")
LEIZHOU = Actor(None, "leizhou", Role.COUNTY_LEAD, scope_prefix="440882")


@pytest.fixture
def conn(demo_engine):
    with demo_engine.connect() as c:
        yield c


class TestScope:
    def test_villages_in_scope_only_with_their_town_and_county(self, conn):
        city = area_frame(conn, CITY, "village")
        suixi = area_frame(conn, SUIXI, "village")
        assert len(city) > len(suixi) > 0
        assert suixi["code"].str.startswith("440823").all()
        assert (suixi["county_name"] == "遂溪县").all() and suixi["town_name"].notna().all()
        assert suixi.crs.to_epsg() == 4326 and suixi.geometry.notna().all()

    def test_teams_designations_and_plantings_are_scoped(self, conn):
        for frame, col in ((teams_frame(conn, LEIZHOU), "village_code"),
                           (designations_frame(conn, LEIZHOU), "area_code"),
                           (planting_points(conn, LEIZHOU), "village_code")):
            assert len(frame) and frame[col].str.startswith("440882").all()

    def test_a_village_outside_the_area_is_refused(self, conn):
        code = area_frame(conn, LEIZHOU, "village")["code"].iloc[0]
        with pytest.raises(PermissionDenied):
            village_detail(conn, SUIXI, code)


class TestViews:
    def test_village_at_finds_the_containing_village(self, conn):
        frame = area_frame(conn, SUIXI, "village")
        row = frame.iloc[5]
        assert village_at(frame, row["label_lon"], row["label_lat"])["code"] == row["code"]
        assert village_at(frame, 100.0, 30.0) is None

    def test_village_detail_bundle(self, conn):
        code = teams_frame(conn, SUIXI)["village_code"].iloc[0]
        d = village_detail(conn, SUIXI, code)
        assert d.village["code"] == code and d.team is not None
        assert {"species", "planned", "planted"} <= set(d.plan_vs_planted.columns)
        assert set(d.survival) >= {"rate", "alive", "planted", "responsible"}

    def test_designations_carry_a_point_and_progress(self, conn):
        d = designations_frame(conn, CITY)
        assert d[["lon", "lat"]].notna().all().all()
        assert (d["kind"] == "demo_town").sum() == 18
        assert d["progress"].dropna().between(0, 1.5).all()

    def test_weekly_series_and_demo_flag(self, conn):
        weekly = weekly_plantings(conn, SUIXI, by="town")
        assert len(weekly) and weekly["key"].str.startswith("440823").all()
        assert has_demo_data(conn)

    def test_village_at_on_hand_made_shapes(self):
        import geopandas as gpd

        frame = gpd.GeoDataFrame({"code": ["a", "b"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
        assert village_at(frame, 1.5, 0.5)["code"] == "b"

    def test_village_at_a_shared_border_follows_the_index(self):
        """On the border of two villages, and where two overlap, the lowest code, as the index says."""
        import geopandas as gpd

        from greening.coverage.index import VillageIndex

        frame = gpd.GeoDataFrame({"code": ["440802001002", "440802001001"]},
                                 geometry=[box(1, 0, 2, 1), box(0, 0, 1.5, 1)], crs=4326)
        index = VillageIndex.from_frame(frame)
        for lon, lat in [(1.0, 0.5), (1.25, 0.5), (0.0, 0.5), (2.0, 1.0)]:
            row = village_at(frame, lon, lat)
            assert row is not None, (lon, lat)
            assert row["code"] == index.locate(lon, lat), (lon, lat)
        assert village_at(frame, 1.0, 0.5)["code"] == "440802001001"   # on the shared edge
        assert village_at(frame, 1.25, 0.5)["code"] == "440802001001"  # in both: lowest code
        assert village_at(frame, 2.0, 1.0)["code"] == "440802001002"   # a corner of one village
        assert village_at(frame, 2.5, 0.5) is None

    def test_a_tap_just_outside_a_small_village_within_reach_opens_it(self):
        """At city zoom a village a few pixels wide is tapped on its outline, a pixel outside it
        (about 300 m): within reach the nearest village opens, beyond it none, inside no change."""
        import geopandas as gpd

        small = box(110.300, 21.090, 110.305, 21.094)  # about 500 m x 450 m
        other = box(110.320, 21.090, 110.325, 21.094)
        frame = gpd.GeoDataFrame({"code": ["440811102206", "440811102208"]}, geometry=[small, other], crs=4326)
        outside = (110.308, 21.092)  # about 310 m east of the first
        assert village_at(frame, *outside) is None
        assert village_at(frame, *outside, reach_m=500)["code"] == "440811102206"
        assert village_at(frame, *outside, reach_m=200) is None
        assert village_at(frame, 110.3225, 21.092, reach_m=500)["code"] == "440811102208"  # inside wins
        assert village_at(frame, 110.36, 21.092, reach_m=500) is None  # 3.6 km away


@pytest.fixture
def write_session(demo_engine):
    """A session on the demo database whose changes are rolled back."""
    conn = demo_engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()
    outer.rollback()
    conn.close()


class TestAttestations:
    def _town_measure(self, s):
        return s.scalars(select(Measure.id).where(Measure.level == "town",
                                                  Measure.evaluation == "attestation").order_by(Measure.id)).first()

    def test_attest_refuse_again_and_audit(self, write_session, conn):
        s = write_session
        town = area_frame(conn, SUIXI, "town")["code"].iloc[0]
        lead = Actor(None, "suixi-lead", Role.COUNTY_LEAD, scope_prefix="440823")
        install_scope(s, lead)
        measure = self._town_measure(s)
        if measure is None:
            pytest.skip("no town-level attestation measure in the catalogue")
        from greening.models import Attestation

        s.query(Attestation).filter_by(area_code=town, measure_id=measure).update({"status": "rejected"})
        row = create_attestation(s, lead, measure_id=measure, area_code=town, evidence="签到表与照片")
        assert row.status == "claimed" and row.created_by_id is None
        assert s.scalars(select(AuditLog).where(AuditLog.table_name == "attestations",
                                                AuditLog.record_id == str(row.id))).first().username == "suixi-lead"
        with pytest.raises(AttestationError, match="已申报"):
            create_attestation(s, lead, measure_id=measure, area_code=town, evidence="again")

    def test_refusals(self, write_session, conn):
        s = write_session
        install_scope(s, SUIXI)
        town = area_frame(conn, SUIXI, "town")["code"].iloc[0]
        other = area_frame(conn, LEIZHOU, "town")["code"].iloc[0]
        measure = self._town_measure(s)
        with pytest.raises(AttestationError, match="佐证"):
            create_attestation(s, SUIXI, measure_id=measure, area_code=town, evidence="  ")
        with pytest.raises(PermissionDenied):
            create_attestation(s, SUIXI, measure_id=measure, area_code=other, evidence="x")
        with pytest.raises(AttestationError, match="未知措施"):
            create_attestation(s, SUIXI, measure_id="M999", area_code=town, evidence="x")
        village = area_frame(conn, SUIXI, "village")["code"].iloc[0]
        with pytest.raises(AttestationError) as wrong_level:  # a town measure claimed by a village
            create_attestation(s, SUIXI, measure_id=measure, area_code=village, evidence="x")
        assert wrong_level.value.code == "attestation_level_differs"
        assert "适用于镇街级" in wrong_level.value.zh and "是村级" in wrong_level.value.zh  # not "town级"
        assert "applies to a town; " in wrong_level.value.en and wrong_level.value.en.endswith("is a village.")
        with pytest.raises(PermissionDenied):
            create_attestation(s, CITY, measure_id=measure, area_code=town, evidence="x")  # city reviews only
