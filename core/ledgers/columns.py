"""The registry's columns: what a header may say, in Chinese or English.

A spreadsheet names each column in Chinese (姓名, 身份证号 ...) or by the stable
English key (name, idNumber ...); both are recognised, case and blanks aside.
The first header listed is the one templates and exports write.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str  # the stable English key (the GraphQL field name where there is one)
    headers: tuple[str, ...]  # Chinese headers, the first one written
    description: str

    @property
    def header(self) -> str:
        return self.headers[0]


# The area path first, then the person: the order templates and exports use.
REGISTRY_COLUMNS: tuple[Column, ...] = (
    Column("district", ("区", "区县", "区（县）"), "District; optional when the database has one district."),
    Column("subdistrict", ("街道", "街道（镇）", "街道/镇", "镇", "乡镇街道"), "Subdistrict or town."),
    Column("community", ("社区", "社区（村）", "村（社区）", "所属社区"), "Community (required)."),
    Column("compound", ("小区", "小区/楼院", "楼院", "小区名称"), "Compound or courtyard."),
    Column("building", ("楼栋", "楼号", "楼栋号", "栋"), "Building."),
    Column("unit", ("户号", "房号", "门牌号", "单元房号", "住址户号"), "Unit label, e.g. 1-101."),
    Column("name", ("姓名", "居民姓名"), "Full name (required)."),
    Column(
        "idNumber", ("身份证号", "身份证号码", "公民身份号码", "居民身份证号"), "18-character ID card number."
    ),
    Column("phone", ("联系电话", "手机号", "手机号码", "电话"), "Mainland mobile number."),
    Column("gender", ("性别",), "男/女 or MALE/FEMALE; follows from the ID number when it is given."),
    Column(
        "birthDate", ("出生日期", "出生年月日"), "Birth date; follows from the ID number when it is given."
    ),
    Column("residencyType", ("户籍类型", "人口类型", "户籍/流动"), "户籍 (registered) or 流动 (floating)."),
    Column("relationToHead", ("与户主关系", "与户主的关系", "户主关系"), "户主, 配偶, 子女, 父母, ..."),
    Column("isPartyMember", ("党员", "是否党员"), "是/否."),
    Column("tags", ("关爱标签", "标签", "重点人群"), "Care tags, separated by 、 , ; or |."),
    Column("movedInOn", ("入住日期", "迁入日期", "入住时间"), "When the resident moved in (default: today)."),
)
BY_KEY = {c.key: c for c in REGISTRY_COLUMNS}
AREA_KEYS = ("district", "subdistrict", "community", "compound", "building")

_SPACES = re.compile(r"[\s\u3000\u00a0*＊:：]+")


def header_token(text: object) -> str:
    """A header cell reduced to what identifies it: NFKC (full-width forms), no blanks,
    no asterisks marking required columns, case-folded."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    return _SPACES.sub("", value).casefold().replace("（", "(").replace("）", ")")


_LOOKUP: dict[str, str] = {}
for _c in REGISTRY_COLUMNS:
    _LOOKUP[header_token(_c.key)] = _c.key
    for _h in _c.headers:
        _LOOKUP[header_token(_h)] = _c.key


def column_key(header: object) -> str | None:
    """The key a header names, or None for a column the registry does not know (ignored)."""
    return _LOOKUP.get(header_token(header))
