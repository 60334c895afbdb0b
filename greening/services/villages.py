"""Read-only views the pages need, gathered under their old names (import from the modules):

* :mod:`greening.services.area_views`: villages and towns with shapes, names, the village at a point;
* :mod:`greening.services.planting_views`: planting points, recent records, weekly series, completion;
* :mod:`greening.services.roster_views`: the team registry and designations with progress;
* :mod:`greening.services.village_detail`: one village's detail bundle;
* :mod:`greening.services.catalogue_views`: species and measures.

Set-based reads filter with :func:`greening.permissions.scope_clause`; a request for one record
outside the actor's area is refused by :func:`greening.permissions.require` before anything is
read. Nothing here writes.
"""
from greening.services.area_views import area_frame, area_names, has_demo_data, village_at
from greening.services.catalogue_views import measures_frame, species_frame
from greening.services.planting_views import (
    plan_completion_by_area,
    planting_points,
    recent_plantings_frame,
    rejected_plantings_frame,
    weekly_plantings,
)
from greening.services.roster_views import DESIGNATION_TARGETS, designations_frame, teams_frame
from greening.services.village_detail import VillageDetail, village_detail, village_summary

__all__ = ["area_frame", "village_at", "has_demo_data", "teams_frame", "designations_frame",
           "planting_points", "species_frame", "village_summary", "village_detail", "VillageDetail",
           "weekly_plantings", "recent_plantings_frame", "rejected_plantings_frame", "area_names", "measures_frame",
           "plan_completion_by_area", "DESIGNATION_TARGETS"]
