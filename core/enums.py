"""Domain enumerations shared by the database models and the GraphQL schema.

Each enum is an Enum with string values (tortoise stores the value) decorated by
strawberry (so the schema serves it with a description per value).
"""

from __future__ import annotations

from enum import Enum

import strawberry

v = strawberry.enum_value


@strawberry.enum(description="Levels of the governance hierarchy, from the district down to a building.")
class AreaLevel(Enum):
    DISTRICT = v("DISTRICT", description="A district (区), e.g. Shangjie District.")
    SUBDISTRICT = v("SUBDISTRICT", description="A subdistrict (街道) or town (镇).")
    COMMUNITY = v("COMMUNITY", description="A community (社区).")
    COMPOUND = v("COMPOUND", description="A residential compound or courtyard (小区/楼院).")
    BUILDING = v("BUILDING", description="A building (楼栋).")


# Order matters: index i is the parent level of index i+1.
LEVELS: tuple[AreaLevel, ...] = (
    AreaLevel.DISTRICT,
    AreaLevel.SUBDISTRICT,
    AreaLevel.COMMUNITY,
    AreaLevel.COMPOUND,
    AreaLevel.BUILDING,
)


# The GraphQL type serving each level, in the same order: District .. Building.
AREA_TYPE_NAMES: tuple[str, ...] = tuple(level.value.title() for level in LEVELS)


def parent_level(level: AreaLevel) -> AreaLevel | None:
    i = LEVELS.index(level)
    return LEVELS[i - 1] if i else None


def lineage_column(level: AreaLevel) -> str:
    """Name of the denormalised column that holds the ancestor id at ``level``."""
    return f"{level.value.lower()}_ref"


@strawberry.enum(description="How a dwelling unit is used.")
class UnitUsage(Enum):
    OWNER_OCCUPIED = v("OWNER_OCCUPIED", description="Lived in by its owner.")
    RENTED = v("RENTED", description="Let to tenants.")
    VACANT = v("VACANT", description="Nobody lives there.")
    COMMERCIAL = v("COMMERCIAL", description="Used as a shop or office.")
    OTHER = v("OTHER", description="Any other use.")


@strawberry.enum(description="A resident's gender as on the ID card.")
class Gender(Enum):
    MALE = v("MALE", description="Male.")
    FEMALE = v("FEMALE", description="Female.")


@strawberry.enum(description="Whether a resident still lives in the district.")
class ResidentStatus(Enum):
    ACTIVE = v("ACTIVE", description="Lives here now.")
    MOVED_OUT = v("MOVED_OUT", description="Has moved away.")
    DECEASED = v("DECEASED", description="Has died.")


@strawberry.enum(description="Whether the resident's household registration (户籍) is here.")
class ResidencyType(Enum):
    REGISTERED = v("REGISTERED", description="Household registration is in this district (户籍人口).")
    NON_REGISTERED = v("NON_REGISTERED", description="Lives here without local registration (流动人口).")


@strawberry.enum(description="A resident's relation to the head of their household.")
class HouseholdRelation(Enum):
    HEAD = v("HEAD", description="The household head (户主).")
    SPOUSE = v("SPOUSE", description="Spouse of the head.")
    CHILD = v("CHILD", description="Child of the head.")
    PARENT = v("PARENT", description="Parent of the head.")
    GRANDCHILD = v("GRANDCHILD", description="Grandchild of the head.")
    GRANDPARENT = v("GRANDPARENT", description="Grandparent of the head.")
    SIBLING = v("SIBLING", description="Brother or sister of the head.")
    TENANT = v("TENANT", description="A tenant living in the unit.")
    OTHER = v("OTHER", description="Any other relation.")


@strawberry.enum(description="What kind of body an organisation is.")
class OrganizationKind(Enum):
    PARTY_ORGANIZATION = v("PARTY_ORGANIZATION", description="A party organisation (党组织).")
    GOVERNMENT_DEPARTMENT = v("GOVERNMENT_DEPARTMENT", description="A government department (职能部门).")
    POLICE = v("POLICE", description="A police station or unit.")
    COURT = v("COURT", description="A court.")
    PROCURATORATE = v("PROCURATORATE", description="A procuratorate.")
    LAW_FIRM = v("LAW_FIRM", description="A law firm.")
    PROPERTY_MANAGEMENT = v("PROPERTY_MANAGEMENT", description="A property management company (物业).")
    UTILITY = v("UTILITY", description="A power, water, gas or telecoms utility.")
    ENTERPRISE = v("ENTERPRISE", description="A company.")
    SOCIAL_ORGANIZATION = v("SOCIAL_ORGANIZATION", description="A social organisation or NGO.")
    SCHOOL = v("SCHOOL", description="A school.")
    OTHER = v("OTHER", description="Any other body.")


@strawberry.enum(description="Fields residents can be ordered by.")
class ResidentOrderField(Enum):
    NAME = v("NAME", description="By name.")
    BIRTH_DATE = v("BIRTH_DATE", description="By date of birth.")
    CREATED_AT = v("CREATED_AT", description="By when the record was created.")


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = v("ASC", description="Ascending.")
    DESC = v("DESC", description="Descending.")
