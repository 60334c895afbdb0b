"""Pages keep working when one village's boundary is missing (NULL in the database, as SpatiaLite
once stored a 500,000-vertex ring): the overview and that village's page open, the others map."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from greening.config import get_settings, override_settings
from greening.db import make_engine
from greening.models import AdminArea
from tests.fixtures.pages import signed_in_page


@pytest.fixture(scope="module")
def broken_db(tmp_path_factory, demo_db_template):
    """A small demo database whose first Suixi village has no geometry; yields (url, village code)."""
    url = demo_db_template.copy(tmp_path_factory.mktemp("badgeom"))
    extra = {**demo_db_template.extra, "default_basemap": "none"}
    with override_settings(database_url=url, extra=extra):
        engine = make_engine(url)
        with engine.begin() as conn:
            code = conn.execute(select(AdminArea.code).where(AdminArea.level == "village",
                                                             AdminArea.code.like("440823%"))
                                .order_by(AdminArea.code)).scalars().first()
            conn.execute(text("UPDATE admin_areas SET geom = NULL WHERE code = :c"), {"c": code})
        engine.dispose()
        yield url, code, extra


@pytest.mark.parametrize("user, page", [("city", "pages/overview.py"), ("suixi", "pages/overview.py"),
                                        ("suixi", "pages/village.py"), ("suixi", "pages/county.py")])
def test_pages_open_with_one_village_without_a_boundary(broken_db, user, page):
    url, code, extra = broken_db
    with override_settings(database_url=url, extra=extra):
        assert get_settings().database_url == url
        at = signed_in_page(user, page, query={"village": code} if page.endswith("village.py") else None)
        assert not at.exception, [e.value for e in at.exception]
        assert at.title or at.header or at.subheader
        if page.endswith("village.py"):
            shown = "\n".join(str(s.value) for s in (*at.subheader, *at.markdown, *at.caption))
            assert code in shown or any(code == str(s.value) for s in at.selectbox)
