"""The campaign's data model (SQLAlchemy 2 + GeoAlchemy2, geometries in WGS 84 / SRID 4326)."""
from greening.models.area import AdminArea
from greening.models.base import WGS84, Base, Tracked, utcnow
from greening.models.campaign import Assignment, Designation, GreeningTeam, Institution, Person
from greening.models.enums import (
                                   AreaLevel,
                                   AttestationStatus,
                                   CheckKind,
                                   DesignationKind,
                                   MeasureLevel,
                                   PersonKind,
                                   PlantingStatus,
                                   RecordSource,
                                   Role,
                                   SiteType,
                                   SpeciesCategory,
)
from greening.models.greencover import RasterLayer, VillageGreenCover
from greening.models.measure import Attestation, Measure
from greening.models.planting import CareCheck, Photo, Planting, PlantingPlan, Species
from greening.models.supervision import OutboxMessage, RankingSnapshot, SupervisionNotice
from greening.models.user import AuditLog, LoginSession, User
from greening.models.version import DataVersion

__all__ = [
    "AdminArea", "Assignment", "Attestation", "AuditLog", "AreaLevel", "AttestationStatus", "Base",
    "CareCheck", "CheckKind", "DataVersion", "Designation", "DesignationKind", "GreeningTeam", "Institution",
    "LoginSession", "Measure", "OutboxMessage", "RankingSnapshot", "SupervisionNotice", "MeasureLevel", "Person", "PersonKind", "Photo", "Planting",
    "PlantingPlan", "PlantingStatus", "RasterLayer", "RecordSource", "Role", "SiteType", "Species",
    "SpeciesCategory", "Tracked", "User", "VillageGreenCover", "WGS84", "utcnow",
]
