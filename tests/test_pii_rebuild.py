"""Masked personal data cannot be rebuilt from what a viewer receives (docs/security.md).

An attacker signs in as a viewer without resident.pii.read (a grid worker, a resident, an
account mixing a grid worker's and a community worker's grants) and takes everything such a
viewer gets about residents: every field of Resident (plugin fields included, read from the
served schema), node lookups, both resident lists in every order, and every age filter. From
it they build, per resident, the set of ID numbers (and phone numbers) consistent with what
they saw: the region code and any other digit the mask shows, the birth year from `age`,
the birth date bounded by every date of the record (born on or before createdAt, movedInOn,
...), the gender's parity digit, and the GB 11643 check digit whenever it is shown. Two checks:

1. The set holds the true number and has at least the documented size: 500 candidates per
   day of the birth-date window the rule leaves (documented floor 500, the whole year for
   anyone whose record dates are not in their birth year: 182,500 and more); phone numbers at
   least 700,000.
2. The set is real: the target's stored row is rewritten to other members of the set
   (another birthday in the year, another sequence number, another phone with the same last
   four digits) and everything the viewer receives stays byte-identical, orders and filters
   included. A channel the count above does not model (an exact order, an exact age cut, a
   digit in the mask) changes the observation and fails this check.

A viewer *with* resident.pii.read is held to the same floor (500) for whatever they get
without the audited idNumber/phone fields.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    build_client_schema,
    get_introspection_query,
)

from core import models as m
from core.api.cost import CEILING
from core.enums import Gender, HouseholdRelation
from core.pii import blind_index, decrypt, encrypt, mask_id_number, mask_phone
from core.testing import TEST_PLUGINS, GraphQLClient, build_world, make_resident, make_user, token_for
from core.validation import _ID_CHECK, _ID_WEIGHTS, gender_from_id, make_id_number

ID_FLOOR_PER_DAY = 500  # sequence numbers of one gender: 100 x 5
ID_FLOOR = 500
PHONE_FLOOR = 700_000
AUDITED = {"idNumber", "phone"}
TODAY = dt.date.today()
ORDER_FIELDS = ("NAME", "BIRTH_DATE", "CREATED_AT")


def _leaves(t, depth: int) -> str | None:
    """A selection of every argument-free leaf field of ``t`` down to ``depth`` object levels."""
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    if isinstance(t, GraphQLScalarType | GraphQLEnumType):
        return ""
    if not isinstance(t, GraphQLObjectType) or depth == 0:
        return None
    parts = []
    for name, f in t.fields.items():
        if name in AUDITED or any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            continue  # nested full reads are the top level's business
        sub = _leaves(f.type, depth - 1)
        if sub == "":
            parts.append(name)
        elif sub:
            parts.append(f"{name} {{ {sub} }}")
    return " ".join(parts) or None


async def _resident_selection(client, token, *, audited: bool) -> str:
    resp = await client.post(get_introspection_query(), token=token)
    schema = build_client_schema(resp.json()["data"])
    resident = schema.type_map["Resident"]
    parts = []
    for name, f in resident.fields.items():
        if name in AUDITED and not audited:
            continue
        if any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            continue
        sub = _leaves(f.type, 2)
        if sub == "":
            parts.append(name)
        elif sub:
            parts.append(f"{name} {{ {sub} }}")
    assert {"birthDate", "age", "gender", "idNumberMasked", "phoneMasked", "createdAt"} <= set(parts)
    return " ".join(parts)


async def _cut_ages() -> list[int]:
    """The age cuts that could split anyone's birth year (either side of every resident's age);
    the filters are bounded to whole years, so other cuts only repeat these answers."""
    ages = set()
    for born in await m.Resident.all().values_list("birth_date", flat=True):
        ages.update(range(max(TODAY.year - born.year - 2, 0), TODAY.year - born.year + 2))
    return sorted(ages)


async def observe(client, token: str, selection: str, community_gids: list[str], ages: list[int]) -> dict:
    """Everything the viewer gets about residents, as plain JSON."""
    seen: dict = {}
    orders = [None] + [f"{{field: {f}, direction: {d}}}" for f in ORDER_FIELDS for d in ("ASC", "DESC")]
    parts = []
    for i, order in enumerate(orders):
        arg = f", orderBy: {order}" if order else ""
        fields = selection if i == 0 else "id"  # the fields once; the orders as lists of ids
        parts.append(f"q{i}: residents(first: 500{arg}) {{ totalCount edges {{ node {{ {fields} }} }} }}")
        for j, community in enumerate(community_gids):
            parts.append(
                f'c{i}_{j}: node(id: "{community}") {{ ... on Community {{ residents(first: 500{arg}) '
                f"{{ totalCount edges {{ node {{ id }} }} }} }} }}"
            )
    for chunk in range(0, len(parts), 25):
        body = await client.data("{ " + " ".join(parts[chunk : chunk + 25]) + " }", token=token)
        seen.update(body)
    # Every age cut the filters allow, alone and as a band.
    cuts = [(f"a{a}", f"minAge: {a}, maxAge: {a}") for a in ages]
    cuts += [(f"min{a}", f"minAge: {a}") for a in ages]
    cuts += [(f"max{a}", f"maxAge: {a}") for a in ages]
    for chunk in range(0, len(cuts), 25):
        doc = " ".join(
            f"{alias}: residents(first: 500, filter: {{{f}}}) {{ edges {{ node {{ id }} }} }}"
            for alias, f in cuts[chunk : chunk + 25]
        )
        seen.update(await client.data("{ " + doc + " }", token=token))
    return json.loads(json.dumps(seen, sort_keys=True))


def _residents_seen(observation: dict) -> dict[str, dict]:
    return {e["node"]["id"]: e["node"] for e in observation["q0"]["edges"]}


# ---------------------------------------------------------------- the attacker's count


def _date_window(node: dict) -> list[dt.date]:
    """Birth dates consistent with the node's fields (attacker's favour: every bound used)."""
    if node.get("birthDate"):
        return [dt.date.fromisoformat(node["birthDate"])]
    assert node["age"] is not None
    year = TODAY.year - node["age"]  # documented: the age reached this calendar year
    last = min(dt.date(year, 12, 31), TODAY)
    for key in ("createdAt", "updatedAt"):
        last = min(last, dt.datetime.fromisoformat(node[key]).date())
    for key in ("movedInOn", "movedOutOn"):
        if node.get(key):
            last = min(last, dt.date.fromisoformat(node[key]))
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def id_candidates(node: dict) -> tuple[int, list[dt.date], list[str]]:
    """(how many ID numbers fit, the birth dates, the sequence numbers that fit)."""
    mask = node["idNumberMasked"]
    assert mask and len(mask) == 18
    region = mask[:6]
    assert region.isdigit()

    def fits(pos: int, ch: str) -> bool:
        return mask[pos] == "*" or mask[pos] == ch

    dates = [d for d in _date_window(node) if all(fits(6 + i, c) for i, c in enumerate(f"{d:%Y%m%d}"))]
    parity = {"MALE": 1, "FEMALE": 0}.get(node.get("gender"))
    seqs = [
        f"{s:03d}"
        for s in range(1000)
        if all(fits(14 + i, c) for i, c in enumerate(f"{s:03d}"))
        and (parity is None or int(f"{s:03d}"[2]) % 2 == parity)
    ]
    if mask[17] == "*":
        return len(dates) * len(seqs), dates, seqs
    # The check digit is shown: only (date, sequence) pairs whose checksum gives it fit.
    total = 0
    for d in dates:
        head = f"{region}{d:%Y%m%d}"
        for s in seqs:
            first17 = head + s
            if _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11] == mask[17]:
                total += 1
    return total, dates, seqs


def phone_candidates(mask: str) -> int:
    assert len(mask) == 11
    allowed = [["1"], [str(d) for d in range(3, 10)]] + [[str(d) for d in range(10)]] * 9
    total = 1
    for pos, choices in enumerate(allowed):
        total *= len(choices) if mask[pos] == "*" else int(mask[pos] in choices)
    return total


# ---------------------------------------------------------------- the world


async def _world():
    w = await build_world()
    year = 1985
    people = {
        # Birthdays at both ends of one year and beside today's date, with neighbours born that year.
        "jan1": dt.date(year, 1, 1),
        "dec31": dt.date(year, 12, 31),
        "mid": dt.date(year, 6, 15),
        "mid2": dt.date(year, 8, 20),
        "today_md": dt.date(year, TODAY.month, min(TODAY.day, 28)),
        "leap": dt.date(1988, 2, 29),
    }
    for i, (key, born) in enumerate(people.items(), start=1):
        w.residents[key] = await make_resident(
            w.unit1,
            f"居民{key}",
            HouseholdRelation.OTHER,
            id_number=make_id_number("410106", born, 100 + i),
            moved_in_on=dt.date(2010, 5, 1),
        )
    # Born today and registered today: the narrowest window the rule leaves.
    w.residents["newborn"] = await make_resident(
        w.unit1,
        "新生儿",
        HouseholdRelation.CHILD,
        id_number=make_id_number("410106", TODAY, 301),
        moved_in_on=TODAY,
    )
    # A row written under the old masking rule: its columns still hold the birth date's
    # neighbours (410106********1234, 139****5678); they must never be served as stored.
    legacy_id = make_id_number("410106", dt.date(1977, 7, 7), 55)
    w.residents["legacy"] = await make_resident(
        w.unit1,
        "老记录",
        HouseholdRelation.OTHER,
        id_number=legacy_id,
        phone="13987654321",
        moved_in_on=dt.date(2001, 1, 1),
    )
    await m.Resident.filter(id=w.residents["legacy"].id).update(
        id_number_masked=legacy_id[:6] + "********" + legacy_id[-4:], phone_masked="139****4321"
    )
    # Residents of c2, whose dates the mixed viewer below sees exactly.
    for i, born in enumerate([dt.date(year, 3, 3), dt.date(year, 10, 10)], start=1):
        w.residents[f"c2_{i}"] = await make_resident(
            w.unit2,
            f"中安{i}",
            HouseholdRelation.OTHER,
            id_number=make_id_number("410106", born, 400 + i),
            moved_in_on=dt.date(2012, 1, 1),
        )
    # Gender as the ID number says (the 17th digit's parity), as registration derives it.
    for r in await m.Resident.all():
        idn = decrypt(r.id_number_cipher, "id_number")
        await m.Resident.filter(id=r.id).update(gender=Gender(gender_from_id(idn)))
    mixed = await make_user("mixed", [("grid_worker", w.s1), ("community_worker", w.c2)])
    w.tokens["mixed"] = token_for(mixed)
    return w


async def _true_numbers(w) -> dict[str, tuple[str, str]]:
    out = {}
    for r in await m.Resident.all():
        out[w.gid(r)] = (decrypt(r.id_number_cipher, "id_number"), decrypt(r.phone_cipher, "phone"))
    return out


def _documented_window_days(row: m.Resident) -> int:
    """What the rule leaves a viewer without resident.pii.read: the birth year, cut by the record's dates."""
    last = min(
        dt.date(row.birth_date.year, 12, 31),
        TODAY,
        row.created_at.date(),
        row.updated_at.date(),
        *(d for d in (row.moved_in_on, row.moved_out_on) if d),
    )
    return (last - dt.date(row.birth_date.year, 1, 1)).days + 1


VIEWERS = ["c1_grid", "resident", "mixed", "c1_worker"]
DETAILED = {"c1_worker"}  # holds resident.pii.read over every resident it sees


@pytest.fixture
async def attacker_client(app_factory):
    """An attacker may send any number of small queries; this test asks for everything at once,
    so it lifts the cost budget (docs/security.md, "Bounded work") that would only slow it down."""
    async with GraphQLClient(
        app_factory(
            TEST_PLUGINS,
            max_query_cost=CEILING,
            max_query_cost_resident=CEILING,
            max_resolved_objects=CEILING,
        )
    ) as c:
        yield c


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_masked_data_does_not_narrow_to_few_numbers(attacker_client, viewer):
    client = attacker_client
    w = await _world()
    token = w.tokens[viewer]
    selection = await _resident_selection(client, token, audited=viewer not in DETAILED)
    communities = [w.gid(w.c1), w.gid(w.c2)]
    seen = await observe(client, token, selection, communities, await _cut_ages())
    nodes = _residents_seen(seen)
    truth = await _true_numbers(w)
    rows = {w.gid(r): r for r in await m.Resident.all()}
    assert len(nodes) >= 3
    for gid, node in nodes.items():
        id_number, phone = truth[gid]
        row = rows[gid]
        exact = viewer in DETAILED or (viewer == "mixed" and row.community_id == w.c2.id)
        assert (node["birthDate"] is not None) == exact, (viewer, node["name"])
        count, dates, seqs = id_candidates(node)
        # The attacker's model is sound: the true number is among the candidates.
        assert dt.date.fromisoformat(f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}") in dates
        assert id_number[14:17] in seqs and node["idNumberMasked"][:6] == id_number[:6]
        assert count >= ID_FLOOR, (viewer, node["name"], count)
        if not exact:
            assert count >= ID_FLOOR_PER_DAY * _documented_window_days(row), (viewer, node["name"], count)
        assert node["phoneMasked"][-4:] == phone[-4:]
        assert phone_candidates(node["phoneMasked"]) >= PHONE_FLOOR, (viewer, node["name"])
        if not exact:
            assert node["idNumber"] is None and node["phone"] is None
    # Full reads happened only where the viewer holds resident.pii.read (the mixed viewer's
    # c2 residents), and each was audited.
    audited = {r.subject_gid for r in await m.AuditLog.filter(action="pii.read")}
    in_full = {g for g, n in nodes.items() if n.get("idNumber")}
    assert audited == in_full
    assert all(rows[g].community_id == w.c2.id for g in in_full) and (viewer == "mixed") == bool(in_full)


async def _rewrite(row: m.Resident, born: dt.date, seq: str, phone: str, legacy: bool) -> None:
    id_number = make_id_number(row.id_number_masked[:6], born, int(seq))
    await m.Resident.filter(id=row.id).update(
        birth_date=born,
        id_number_cipher=encrypt(id_number, "id_number"),
        id_number_hash=blind_index(id_number, "id_number"),
        id_number_masked=(id_number[:6] + "********" + id_number[-4:])
        if legacy
        else mask_id_number(id_number),
        phone_cipher=encrypt(phone, "phone"),
        phone_hash=blind_index(phone, "phone"),
        phone_masked=(phone[:3] + "****" + phone[-4:]) if legacy else mask_phone(phone),
        phone_last4=phone[-4:],
    )


def _alternatives(dates: list[dt.date], seqs: list[str], true_date: dt.date) -> list[tuple[dt.date, str]]:
    """Other members of the candidate set: the window's ends, the days around today's date
    in that year (an exact age would change there)."""
    today = (TODAY.month, TODAY.day)
    picks = [dates[0], dates[-1]]
    picks += [d for d in dates if (d.month, d.day) <= today][-1:] + [
        d for d in dates if (d.month, d.day) > today
    ][:1]
    out = []
    for i, d in enumerate(dict.fromkeys(picks)):
        out.append((d, seqs[(i * 97 + 13) % len(seqs)]))
    if len(dates) == 1:
        out += [(true_date, seqs[k]) for k in (0, len(seqs) // 2, -1)]
    return out


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_other_candidates_look_exactly_the_same(attacker_client, viewer):
    client = attacker_client
    w = await _world()
    token = w.tokens[viewer]
    selection = await _resident_selection(client, token, audited=viewer not in DETAILED)
    communities = [w.gid(w.c1), w.gid(w.c2)]
    ages = await _cut_ages()
    before = await observe(client, token, selection, communities, ages)
    nodes = _residents_seen(before)
    targets = [k for k in ("jan1", "today_md", "newborn", "legacy") if w.gid(w.residents[k]) in nodes]
    assert targets
    for key in targets:
        row = await m.Resident.get(id=w.residents[key].id)
        original = (
            row.birth_date,
            row.id_number_cipher,
            row.id_number_hash,
            row.id_number_masked,
            row.phone_cipher,
            row.phone_hash,
            row.phone_masked,
            row.phone_last4,
        )
        _, dates, seqs = id_candidates(nodes[w.gid(row)])
        for n, (born, seq) in enumerate(_alternatives(dates, seqs, row.birth_date)):
            phone = f"1{3 + n % 7}{(n * 7919) % 100000:05d}{row.phone_last4}"  # same last four digits
            await _rewrite(row, born, seq, phone, legacy=key == "legacy")
            after = await observe(client, token, selection, communities, ages)
            assert after == before, (viewer, key, born, seq)
        await m.Resident.filter(id=row.id).update(
            **dict(
                zip(
                    (
                        "birth_date",
                        "id_number_cipher",
                        "id_number_hash",
                        "id_number_masked",
                        "phone_cipher",
                        "phone_hash",
                        "phone_masked",
                        "phone_last4",
                    ),
                    original,
                    strict=True,
                )
            )
        )
