"""One registry row parsed and checked with registerResident's rules.

The checks are the ones registerResident applies (core.services.residents), over
the same functions of core.validation: the GB 11643 ID number (format, birth date,
check digit), the mobile number, birth date and gender following from the ID
number, tags (at most 50 of at most 50 characters, no '|'), the move-in date (not
in the future, not before birth), text no database can store. What needs the
database (the area path, the one head per unit, the ID number's twin) is checked
by the importer over a whole batch at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from core import clock
from core.enums import Gender, HouseholdRelation, ResidencyType
from core.errors import Code
from core.ledgers import values as v
from core.ledgers.columns import AREA_KEYS, BY_KEY
from core.validation import (
    birth_date_from_id,
    gender_from_id,
    id_number_problem,
    normalise_id_number,
    normalise_phone,
    phone_problem,
    unstorable_text,
)

NAME_MAX = 100  # core_resident.name, as registerResident
AREA_NAME_MAX = 200
UNIT_LABEL_MAX = 50
TAG_MAX = 50
TAGS_MAX = 50

GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE}
RESIDENCY = {
    "户籍": ResidencyType.REGISTERED,
    "户籍人口": ResidencyType.REGISTERED,
    "本地": ResidencyType.REGISTERED,
    "常住": ResidencyType.REGISTERED,
    "流动": ResidencyType.NON_REGISTERED,
    "流动人口": ResidencyType.NON_REGISTERED,
    "外来": ResidencyType.NON_REGISTERED,
    "非户籍": ResidencyType.NON_REGISTERED,
}
RELATIONS = {
    "户主": HouseholdRelation.HEAD,
    "本人": HouseholdRelation.HEAD,
    "配偶": HouseholdRelation.SPOUSE,
    "妻": HouseholdRelation.SPOUSE,
    "夫": HouseholdRelation.SPOUSE,
    "子女": HouseholdRelation.CHILD,
    "子": HouseholdRelation.CHILD,
    "女": HouseholdRelation.CHILD,
    "儿子": HouseholdRelation.CHILD,
    "女儿": HouseholdRelation.CHILD,
    "父母": HouseholdRelation.PARENT,
    "父亲": HouseholdRelation.PARENT,
    "母亲": HouseholdRelation.PARENT,
    "孙子女": HouseholdRelation.GRANDCHILD,
    "孙子": HouseholdRelation.GRANDCHILD,
    "孙女": HouseholdRelation.GRANDCHILD,
    "外孙": HouseholdRelation.GRANDCHILD,
    "外孙女": HouseholdRelation.GRANDCHILD,
    "祖父母": HouseholdRelation.GRANDPARENT,
    "兄弟姐妹": HouseholdRelation.SIBLING,
    "兄弟": HouseholdRelation.SIBLING,
    "姐妹": HouseholdRelation.SIBLING,
    "租户": HouseholdRelation.TENANT,
    "租客": HouseholdRelation.TENANT,
    "其他": HouseholdRelation.OTHER,
}
# Labels written back by exports and templates (the inverse of the first spelling above).
GENDER_LABEL = {Gender.MALE: "男", Gender.FEMALE: "女"}
RESIDENCY_LABEL = {ResidencyType.REGISTERED: "户籍", ResidencyType.NON_REGISTERED: "流动"}
RELATION_LABEL = {
    HouseholdRelation.HEAD: "户主",
    HouseholdRelation.SPOUSE: "配偶",
    HouseholdRelation.CHILD: "子女",
    HouseholdRelation.PARENT: "父母",
    HouseholdRelation.GRANDCHILD: "孙子女",
    HouseholdRelation.GRANDPARENT: "祖父母",
    HouseholdRelation.SIBLING: "兄弟姐妹",
    HouseholdRelation.TENANT: "租户",
    HouseholdRelation.OTHER: "其他",
}


@dataclass
class Problem:
    row: int
    column: str  # the column's English key ("" for the row as a whole)
    code: str
    message: str


@dataclass
class RowData:
    """A parsed row: the values given (None where the file has no such column or an empty cell)."""

    row: int
    given: frozenset[str]  # column keys present in the file
    area: dict[str, str | None] = field(default_factory=dict)  # district .. building names
    unit: str | None = None
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    gender: Gender | None = None
    birth_date: dt.date | None = None
    residency_type: ResidencyType | None = None
    relation_to_head: HouseholdRelation | None = None
    is_party_member: bool | None = None
    tags: list[str] | None = None
    moved_in_on: dt.date | None = None
    problems: list[Problem] = field(default_factory=list)

    def fail(self, column: str, code: str, message: str) -> None:
        self.problems.append(Problem(self.row, column, code, message))

    @property
    def ok(self) -> bool:
        return not self.problems

    def fingerprint(self) -> tuple:
        """The row's meaning, to tell a repeated row from a conflicting one."""
        return (
            tuple(sorted(self.area.items())),
            self.unit,
            self.name,
            self.id_number,
            self.phone,
            self.gender,
            self.birth_date,
            self.residency_type,
            self.relation_to_head,
            self.is_party_member,
            tuple(self.tags or ()),
            self.moved_in_on,
        )


def _clean_text(row: RowData, key: str, cell: object, max_len: int) -> str | None:
    value = v.text(cell)
    if unstorable_text(value):
        row.fail(
            key,
            Code.INVALID_INPUT,
            f"{BY_KEY[key].header} may not contain NUL characters or unpaired surrogates.",
        )
        return None
    if len(value) > max_len:
        row.fail(key, Code.INVALID_INPUT, f"{BY_KEY[key].header} may be at most {max_len} characters.")
        return None
    return value or None


def _choice(row: RowData, key: str, cell: object, table: dict, enum) -> object | None:
    raw = v.narrow(cell)
    if not raw:
        return None
    found = table.get(raw) or table.get(raw.casefold())
    if found is None:
        try:
            found = enum(raw.upper())
        except ValueError:
            labels = "、".join(dict.fromkeys(table))
            row.fail(key, Code.INVALID_INPUT, f"{raw!r} is not a known {BY_KEY[key].header} ({labels}).")
    return found


def parse_row(
    number: int, cells: dict[str, object], given: frozenset[str], today: dt.date | None = None
) -> RowData:
    """``cells``: {column key: raw cell value} of one row."""
    today = today or clock.today()
    row = RowData(row=number, given=given)
    for key in AREA_KEYS:
        if key in given:
            row.area[key] = _clean_text(row, key, cells.get(key), AREA_NAME_MAX)
    if "unit" in given:
        row.unit = _clean_text(row, "unit", v.narrow(cells.get("unit")), UNIT_LABEL_MAX)
    row.name = _clean_text(row, "name", cells.get("name"), NAME_MAX)
    if row.name is None and not any(p.column == "name" for p in row.problems):
        row.fail("name", Code.INVALID_INPUT, "姓名 (name) must not be empty.")
    if not row.area.get("community"):
        row.fail("community", Code.INVALID_INPUT, "社区 (community) must not be empty.")
    _id_number(row, cells.get("idNumber"), today)
    _phone(row, cells.get("phone"))
    if "gender" in given:
        row.gender = _choice(row, "gender", cells.get("gender"), GENDERS, Gender)
    if "birthDate" in given:
        row.birth_date = _date(row, "birthDate", cells.get("birthDate"))
    _reconcile(row, today)
    if "residencyType" in given:
        row.residency_type = _choice(
            row, "residencyType", cells.get("residencyType"), RESIDENCY, ResidencyType
        )
    if "relationToHead" in given:
        row.relation_to_head = _choice(
            row, "relationToHead", cells.get("relationToHead"), RELATIONS, HouseholdRelation
        )
    if "isPartyMember" in given:
        try:
            row.is_party_member = v.yes_no(cells.get("isPartyMember"))
        except v.BadValue as exc:
            row.fail("isPartyMember", Code.INVALID_INPUT, f"{BY_KEY['isPartyMember'].header}: {exc}.")
    if "tags" in given:
        row.tags = _tags(row, cells.get("tags"))
    if "movedInOn" in given:
        row.moved_in_on = _date(row, "movedInOn", cells.get("movedInOn"))
        if row.moved_in_on is not None:
            if row.moved_in_on > today:
                row.fail("movedInOn", Code.INVALID_INPUT, "movedInOn is in the future.")
            elif row.birth_date is not None and row.moved_in_on < row.birth_date:
                row.fail("movedInOn", Code.INVALID_INPUT, "movedInOn is before the resident's birth date.")
    _levels(row)
    return row


def _id_number(row: RowData, cell: object, today: dt.date) -> None:
    if cell is None or v.text(cell) == "":
        return
    try:
        raw = v.digits_text(cell, "ID card number")
    except v.BadValue as exc:
        row.fail("idNumber", Code.INVALID_ID_NUMBER, f"Invalid ID card number: {exc}.")
        return
    if problem := id_number_problem(raw, today):
        row.fail("idNumber", Code.INVALID_ID_NUMBER, f"Invalid ID card number: {problem}.")
        return
    row.id_number = normalise_id_number(raw)  # upper case: a typed x is the check character X


def _phone(row: RowData, cell: object) -> None:
    if cell is None or v.text(cell) == "":
        return
    try:
        raw = v.digits_text(cell, "mobile number")
    except v.BadValue as exc:
        row.fail("phone", Code.INVALID_PHONE, f"Invalid mobile number: {exc}.")
        return
    if problem := phone_problem(raw):
        row.fail("phone", Code.INVALID_PHONE, f"Invalid mobile number: {problem}.")
        return
    row.phone = normalise_phone(raw)


def _date(row: RowData, key: str, cell: object) -> dt.date | None:
    try:
        return v.date_value(cell)
    except v.BadValue as exc:
        row.fail(key, Code.INVALID_INPUT, f"{BY_KEY[key].header}: {exc}.")
        return None


def _reconcile(row: RowData, today: dt.date) -> None:
    """Birth date and gender follow from the ID number; a contradiction is refused (as registerResident)."""
    if row.id_number:
        born, gender = birth_date_from_id(row.id_number), Gender(gender_from_id(row.id_number))
        if row.birth_date is not None and row.birth_date != born:
            row.fail("birthDate", Code.INVALID_INPUT, "birthDate does not match the ID card number.")
        if row.gender is not None and row.gender != gender:
            row.fail("gender", Code.INVALID_INPUT, "gender does not match the ID card number.")
        row.birth_date, row.gender = born, gender
    elif row.birth_date is not None and row.birth_date > today:
        row.fail("birthDate", Code.INVALID_INPUT, "birthDate is in the future.")


def _tags(row: RowData, cell: object) -> list[str]:
    tags = v.tag_list(cell)
    if len(tags) > TAGS_MAX:
        row.fail("tags", Code.INVALID_INPUT, f"At most {TAGS_MAX} tags.")
        return []
    for tag in tags:
        if unstorable_text(tag):
            row.fail(
                "tags", Code.INVALID_INPUT, "A tag may not contain NUL characters or unpaired surrogates."
            )
            return []
        if len(tag) > TAG_MAX:
            row.fail("tags", Code.INVALID_INPUT, f"A tag may be at most {TAG_MAX} characters.")
            return []
    return sorted(set(tags))


def _levels(row: RowData) -> None:
    """The area path has no gaps: a unit needs its building, a building its compound (INVALID_LEVEL)."""
    chain = [*AREA_KEYS[2:], "unit"]  # community, compound, building, unit
    values = [row.area.get(k) for k in AREA_KEYS[2:]] + [row.unit]
    for i in range(1, len(chain)):
        if values[i] and not values[i - 1]:
            above = BY_KEY[chain[i - 1]].header
            row.fail(
                chain[i - 1], Code.INVALID_LEVEL, f"{BY_KEY[chain[i]].header} is given without its {above}."
            )
            return
