"""The campaign's controlled vocabularies. Stored as their string values."""
from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AreaLevel", "DesignationKind", "PersonKind", "SpeciesCategory", "SiteType",
    "PlantingStatus", "RecordSource", "CheckKind", "AttestationStatus", "Role", "MeasureLevel",
]


class AreaLevel(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"

    @property
    def code_prefix_len(self) -> int:
        """How many leading digits of a 12-digit code identify an area of this level."""
        from greening.area_codes import prefix_length

        return prefix_length(self.value)


class DesignationKind(StrEnum):
    DEMO_TOWN = "demo_town"            # 乡镇绿化典型示范镇
    KEY_TOWN = "key_town"              # 重点特色镇
    DEMO_VILLAGE = "demo_village"      # 示范村
    DEMO_BELT = "demo_belt"            # 示范带
    INDUSTRY_MODEL = "industry_model"  # 乡村绿化+农村产业融合发展典型
    COURTYARD = "courtyard"            # 美丽庭院
    THEME_FOREST = "theme_forest"      # 主题林


class PersonKind(StrEnum):
    GRADED_CADRE = "graded_cadre"        # 职级干部
    FIRST_SECRETARY = "first_secretary"  # 驻村第一书记
    INSTRUCTOR = "instructor"            # 党建指导员
    EXPERT = "expert"                    # 院校专家
    LOCAL_WORTHY = "local_worthy"        # 乡贤
    CITY_LEADER = "city_leader"          # 包抓领导 (city leader in charge)
    COUNTY_LEADER = "county_leader"      # county leader in charge
    TOWN_LEADER = "town_leader"          # town leader in charge


class SpeciesCategory(StrEnum):
    TREE = "tree"
    SHRUB = "shrub"
    FRUIT = "fruit"
    BAMBOO = "bamboo"


class SiteType(StrEnum):
    VILLAGE_SIDE = "village_side"  # 村旁
    HOUSE_SIDE = "house_side"      # 宅旁
    ROAD_SIDE = "road_side"        # 路旁
    WATER_SIDE = "water_side"      # 水旁
    COURTYARD = "courtyard"        # 庭院
    IDLE_LAND = "idle_land"        # 闲置地
    VILLAGE_PARK = "village_park"  # 村级公园
    THEME_FOREST = "theme_forest"  # 主题林
    OTHER = "other"                # 其他


class PlantingStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


class RecordSource(StrEnum):
    FORM = "form"
    IMPORT = "import"
    DEMO = "demo"


class CheckKind(StrEnum):
    CARE = "care"          # 管护
    SURVIVAL = "survival"  # 成活率核查


class AttestationStatus(StrEnum):
    CLAIMED = "claimed"    # attested by the area, awaiting confirmation
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class MeasureLevel(StrEnum):
    CITY = "city"
    COUNTY = "county"
    TOWN = "town"
    VILLAGE = "village"


class Role(StrEnum):
    TEAM = "team"            # 党员护绿队: its own village
    TOWN_LEAD = "town_lead"
    COUNTY_LEAD = "county_lead"
    CITY = "city"            # city official: everything, read and review
    ADMIN = "admin"
