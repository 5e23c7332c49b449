"""The compiled read path answers exactly what the resolvers answer.

Every query of the corpus runs twice, as every viewer of the access matrix:
through an app with compilation off (LASTMILE_COMPILE_READS=false: today's
resolvers) and through one with it on, and the two JSON bodies must be equal
byte for byte. Queries marked COMPILED must really have been compiled (the
debug extension lists no fallback), so a silent fallback cannot pass for
agreement. Statement counts of the benchmark queries Q1-Q4 are asserted at
the end.
"""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from core import models as m
from core.api.cost import CEILING
from core.api.relay import encode_keyset, gid_of
from core.enums import AreaLevel, HouseholdRelation, OrganizationKind, ResidentStatus, UnitUsage
from core.testing import (
    TEST_PLUGINS,
    GraphQLClient,
    build_world,
    count_statements,
    make_area,
    make_resident,
    make_unit,
)

VIEWERS = [
    "super",
    "district_admin",
    "s1_manager",
    "c1_worker",
    "c2_worker",
    "c1_grid",
    "resident",
    "anonymous",
]

RESIDENT_FIELDS = """id name gender birthDate age status residencyType isPartyMember tags relationToHead
  movedInOn movedOutOn createdAt updatedAt idNumberMasked phoneMasked __typename"""
PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
AREA = "id name code level __typename parent { id name level } ancestors { id name __typename }"

TREE = f"""
{{ districts {{ {AREA} residentCount subdistricts {{ {AREA} isTown residentCount district {{ name }}
  communities(first: 10) {{ totalCount {PAGE} edges {{ cursor node {{ {AREA} residentCount unitCount
    subdistrict {{ name }} partners {{ id name kind contactName contactPhone }}
    residents(first: 2) {{ totalCount {PAGE} edges {{ cursor node {{ name }} }} }}
    compounds(first: 5) {{ totalCount {PAGE} edges {{ node {{ {AREA} address builtYear community {{ name }}
      propertyManager {{ id name kind }} buildings {{ {AREA} floors compound {{ name }}
        units(first: 3) {{ totalCount {PAGE} edges {{ cursor node {{ id label floor areaSqm usage __typename
          building {{ name }} householdHead {{ name }} residents {{ {RESIDENT_FIELDS} }} }} }} }}
      }} }} }} }}
  }} }} }} }} }} }}
"""

# (name, query, variables or a function of the world, compiled?)
CORPUS = [
    (
        "q1_page",
        "{ residents(first: 100) { edges { node { name unit { label building { compound { name } } } } } } }",
        None,
        True,
    ),
    (
        "resident_all_fields",
        f"{{ residents(first: 50) {{ totalCount {PAGE} edges {{ cursor node {{ {RESIDENT_FIELDS}"
        " unit { id label floor areaSqm usage } community { id name level } } } } }",
        None,
        True,
    ),
    ("tree", TREE, None, True),
    (
        "page_forward",
        f"query($a: String) {{ residents(first: 2, after: $a) {{ totalCount {PAGE} edges {{ cursor node {{ name }} }} }} }}",
        lambda w: {"a": w.cursor(0)},
        True,
    ),
    (
        "page_beyond_end",
        f"query($a: String) {{ residents(first: 2, after: $a) {{ {PAGE} edges {{ cursor }} }} }}",
        {"a": encode_keyset([10**9])},
        True,
    ),
    (
        "page_edges_only_after",
        "query($a: String) { residents(first: 1, after: $a) { edges { node { name } } } }",
        lambda w: {"a": w.cursor(1)},
        True,
    ),
    ("page_first_zero", f"{{ residents(first: 0) {{ totalCount {PAGE} edges {{ cursor }} }} }}", None, True),
    ("page_default", f"{{ residents {{ {PAGE} edges {{ cursor node {{ id }} }} }} }}", None, True),
    (
        "page_last",
        f"{{ residents(last: 2) {{ totalCount {PAGE} edges {{ cursor node {{ name }} }} }} }}",
        None,
        True,
    ),
    (
        "page_last_before",
        f"query($b: String) {{ residents(last: 2, before: $b) {{ totalCount {PAGE} edges {{ cursor node {{ name }} }} }} }}",
        lambda w: {"b": w.cursor(3)},
        True,
    ),
    (
        "page_first_before",
        f"query($b: String) {{ residents(first: 5, before: $b) {{ {PAGE} edges {{ cursor node {{ name }} }} }} }}",
        lambda w: {"b": w.cursor(2)},
        True,
    ),
    (
        "page_after_before",
        f"query($a: String, $b: String) {{ residents(after: $a, before: $b) {{ {PAGE} edges {{ cursor }} }} }}",
        lambda w: {"a": w.cursor(0), "b": w.cursor(3)},
        True,
    ),
    ("page_bad_cursor", '{ residents(first: 2, after: "nonsense") { edges { cursor } } }', None, False),
    ("page_negative", "{ residents(first: -1) { edges { cursor } } }", None, False),
    (
        "order_name_desc",
        "{ residents(orderBy: {field: NAME, direction: DESC}) { edges { node { name } } } }",
        None,
        True,
    ),
    (
        "order_birth",
        "{ residents(orderBy: {field: BIRTH_DATE, direction: ASC}, last: 3) { edges { cursor node { name birthDate } } } }",
        None,
        True,
    ),
    (
        "order_created",
        "{ residents(orderBy: {field: CREATED_AT, direction: DESC}) { edges { node { name } } } }",
        None,
        True,
    ),
    (
        "filter_search",
        '{ residents(filter: {search: "张"}) { totalCount edges { node { name } } } }',
        None,
        True,
    ),
    # Three characters: on PostgreSQL the trigram index finds the rows, sorted after (index_first).
    (
        "filter_search_trigram",
        '{ residents(first: 2, filter: {search: "张小1"}) { totalCount '
        + PAGE
        + " edges { cursor node { name } } } }",
        None,
        True,
    ),
    (
        "filter_search_like_chars",
        '{ residents(filter: {search: "%_"}) { totalCount edges { node { name } } } }',
        None,
        True,
    ),
    (
        "filter_phone4",
        "query($s: String) { residents(filter: {search: $s}) { totalCount edges { node { name phoneMasked } } } }",
        lambda w: {"s": w.phone4},
        True,
    ),
    (
        "filter_tags",
        '{ residents(filter: {tags: ["elderly-alone"]}) { edges { node { name tags } } } }',
        None,
        True,
    ),
    (
        "filter_misc",
        "{ residents(filter: {status: MOVED_OUT, residencyType: REGISTERED, isPartyMember: false}) "
        "{ totalCount edges { node { name status movedOutOn } } } }",
        None,
        True,
    ),
    (
        "filter_party_gender",
        "{ residents(filter: {isPartyMember: true, gender: FEMALE}) { edges { node { name } } } }",
        None,
        True,
    ),
    (
        "filter_age",
        "{ residents(filter: {minAge: 30, maxAge: 60}) { edges { node { name age } } } }",
        None,
        True,
    ),
    (
        "filter_area",
        "query($a: ID) { residents(filter: {areaId: $a}) { totalCount edges { node { name } } } }",
        lambda w: {"a": gid_of(w.c1)},
        True,
    ),
    (
        "filter_unit",
        "query($u: ID) { residents(filter: {unitId: $u}) { edges { node { name } } } }",
        lambda w: {"u": gid_of(w.unit1)},
        True,
    ),
    (
        "community_residents",
        "query($id: ID!) { node(id: $id) { ... on Community { residents(filter: {status: ACTIVE}, "
        "orderBy: {field: NAME, direction: ASC}, last: 2) { totalCount "
        + PAGE
        + " edges { cursor node { name } } } } } }",
        lambda w: {"id": gid_of(w.c1)},
        True,
    ),
    (
        "areas",
        "{ areas(first: 20) { totalCount "
        + PAGE
        + " edges { node { "
        + AREA
        + " ... on Subdistrict { isTown } "
        "... on Compound { builtYear } ... on Building { floors } } } } }",
        None,
        True,
    ),
    (
        "areas_filtered",
        'query($p: ID) { areas(level: COMPOUND, parentId: $p, search: "小区") { totalCount edges { node { name } } } }',
        lambda w: {"p": gid_of(w.c1)},
        True,
    ),
    ("areas_bad_parent", '{ areas(parentId: "bm9wZQ") { totalCount } }', None, True),
    (
        "communities",
        "query($s: ID) { communities(subdistrictId: $s, first: 1) { totalCount "
        + PAGE
        + " edges { node { name } } } }",
        lambda w: {"s": gid_of(w.s1)},
        True,
    ),
    ("communities_search", '{ communities(search: "安") { edges { node { name } } } }', None, True),
    (
        "units",
        "query($b: ID, $c: ID) { a: units(buildingId: $b) { totalCount edges { node { label } } } "
        "b: units(compoundId: $c, usage: RENTED) { edges { node { label usage } } } c: units { totalCount } }",
        lambda w: {"b": gid_of(w.building1), "c": gid_of(w.compound1)},
        True,
    ),
    (
        "organizations",
        "{ organizations(kind: PROPERTY_MANAGEMENT) { totalCount edges { node { name partnerCommunities { name } } } } "
        'all: organizations(search: "物业", first: 1) { ' + PAGE + " } }",
        None,
        True,
    ),
    (
        "node_each_type",
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Resident { name unit { label } } "
        "... on Unit { label } ... on Area { name level } ... on Organization { name } } }",
        lambda w: {"ids": w.node_ids},
        True,
    ),
    (
        "node_resident",
        "query($id: ID!) { node(id: $id) { id ... on Resident { " + RESIDENT_FIELDS + " } } }",
        lambda w: {"id": gid_of(w.residents["zhang"])},
        True,
    ),
    (
        "area_by_id",
        "query($a: ID!, $r: ID!) { a: area(id: $a) { name ... on Community { unitCount } } "
        "r: area(id: $r) { name } }",
        lambda w: {"a": gid_of(w.c1), "r": gid_of(w.residents["zhang"])},
        True,
    ),
    (
        "fragments_directives",
        """query($yes: Boolean!, $no: Boolean!) { residents(first: 3) { ...Page edges { node { ...R } } } }
      fragment Page on ResidentConnection { total: totalCount p: pageInfo { n: hasNextPage } }
      fragment R on Resident { who: name id @include(if: $yes) gender @skip(if: $yes) birthDate @include(if: $no)
        ... on Resident { unit { label } } unit { floor } }""",
        {"yes": True, "no": False},
        True,
    ),
    ("node_user_falls_back", '{ node(id: "VXNlcjox") { id } }', None, False),
    ("full_pii_falls_back", "{ residents { edges { node { name idNumber phone } } } }", None, False),
    (
        "mixed_roots",
        "{ me { username } residents(first: 1) { edges { node { name } } } plugins { name } }",
        None,
        False,
    ),
    ("typename_root", "{ __typename residents(first: 1) { totalCount } }", None, False),
]


@pytest.fixture
async def world():
    w = await build_world()
    # Richer data than the access matrix needs: every kind of value the fields can hold.
    zhang = w.residents["zhang"]
    zhang.tags = ["elderly-alone", "veteran"]
    zhang.is_party_member = True
    zhang.moved_in_on = dt.date(2001, 2, 28)
    await zhang.save()
    wife = w.residents["zhang_wife"]
    wife.gender, wife.is_party_member = "FEMALE", True
    await wife.save()
    w.unit1.area_sqm, w.unit1.floor, w.unit1.usage = 85.0, 1, UnitUsage.OWNER_OCCUPIED
    await w.unit1.save()
    extra_building = await make_area(AreaLevel.BUILDING, "2号楼", w.compound1, floors=18)
    rented = await make_unit(extra_building, "2-1501", area_sqm=72.5, usage=UnitUsage.RENTED)
    await make_unit(extra_building, "2-1502")
    gone = await make_resident(
        rented,
        "赵%_强",
        HouseholdRelation.HEAD,
        status=ResidentStatus.MOVED_OUT,
        moved_out_on=dt.date(2024, 5, 1),
    )
    await make_resident(rented, "孙丽", HouseholdRelation.HEAD, birth_date=dt.date(2000, 2, 29))
    for i in range(3):
        await make_resident(
            w.unit1, f"张小{i}", HouseholdRelation.CHILD, birth_date=dt.date(2010 + i, 12, 31)
        )
    pm = await m.Organization.create(
        name="幸福物业", kind=OrganizationKind.PROPERTY_MANAGEMENT, contact_name="刘经理"
    )
    police = await m.Organization.create(name="上街交警大队", kind=OrganizationKind.POLICE)
    await m.PartnerLink.create(organization=pm, community=w.c1)
    await m.PartnerLink.create(organization=police, community=w.c1)
    await m.PartnerLink.create(organization=police, community=w.c2)
    w.compound1.property_manager = pm
    await w.compound1.save()
    w.phone4 = (await m.Resident.get(id=gone.id)).phone_masked[-4:]
    w.node_ids = [
        gid_of(x)
        for x in (
            zhang,
            w.residents["liu"],
            w.unit1,
            w.unit3,
            w.district,
            w.s2,
            w.c1,
            w.compound1,
            w.building1,
            pm,
        )
    ]
    w.node_ids += [
        "bm9wZQ",
        gid_of(zhang).rstrip("Q") + "x",
        "Tm9wZTox",
        "Q29tbXVuaXR5OjA",
        gid_of(w.c1).replace("Community", "Building"),
    ]
    w.tokens["anonymous"] = None
    ids = sorted(await m.Resident.all().values_list("id", flat=True))
    # The cursor of the n-th resident in the default order (by id): what a page's edge carries.
    w.cursor = lambda n: encode_keyset([ids[n]])
    return w


# The corpus reaches deep (the whole tree): the static cost budget and the object cap
# (tests/test_bounded_work.py) are lifted on both paths, as in test_nplus1, so that
# the two answers are compared rather than the two refusals.
UNBOUNDED = {"max_query_cost": CEILING, "max_query_cost_resident": CEILING, "max_resolved_objects": CEILING}


@pytest.fixture
async def paths(app_factory):
    async with (
        GraphQLClient(app_factory(TEST_PLUGINS, compile_reads=False, **UNBOUNDED)) as resolvers,
        GraphQLClient(app_factory(TEST_PLUGINS, compile_debug=True, **UNBOUNDED)) as compiled,
    ):
        yield resolvers, compiled


async def _both(paths, query, variables, token):
    resolvers, compiled = paths
    a = await resolvers.post(query, variables, token)
    b = await compiled.post(query, variables, token)
    assert a.status_code == b.status_code
    body_b = b.json()
    report = (body_b.get("extensions") or {}).pop("compiled", None)
    if body_b.get("extensions") == {}:
        body_b.pop("extensions")
    return a.json(), body_b, report


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_corpus_compiled_equals_resolvers(paths, world, viewer, on_postgres):
    for name, query, variables, compiles in CORPUS:
        variables = variables(world) if callable(variables) else variables
        expected, got, report = await _both(paths, query, variables, world.tokens[viewer])
        # Byte-identical JSON, key order included.
        assert orjson.dumps(got) == orjson.dumps(expected), (name, viewer, report)
        if viewer != "anonymous" and compiles:
            assert report and "error" not in report, (name, report)
            # Everything compiles, the whole tree on SQLite too (deep objects hoisted into CTEs).
            assert report["fallbacks"] == [], (name, report)
        if viewer != "anonymous" and not compiles:
            assert report is None or report["fallbacks"], (name, report)


async def test_fallback_is_reported_per_root_field(paths, world):
    _, got, report = await _both(
        paths, "{ me { username } residents(first: 1) { totalCount } }", None, world.tokens["c1_worker"]
    )
    assert list(got["data"]) == ["me", "residents"]
    assert report["fields"] == ["residents"]
    assert report["fallbacks"][0]["field"] == "me"
    _, _, report = await _both(
        paths, "{ residents { edges { node { idNumber } } } }", None, world.tokens["c1_worker"]
    )
    assert "idNumber" in report["fallbacks"][0]["reason"]


async def test_full_personal_data_reads_stay_audited(paths, world):
    before = await m.AuditLog.filter(action="pii.read").count()
    _, got, _ = await _both(
        paths, "{ residents(first: 1) { edges { node { idNumber } } } }", None, world.tokens["c1_worker"]
    )
    assert got["data"]["residents"]["edges"][0]["node"]["idNumber"]
    # One audited read per path (the resolvers' app and the compiled app's fallback).
    assert await m.AuditLog.filter(action="pii.read").count() == before + 2


BENCH = {
    "Q1": (
        "{ residents(first: 100) { edges { node { name unit { label building { compound { name } } } } } } }",
        None,
    ),
    "Q2": (
        """query($id: ID!) { node(id: $id) { ... on Community { name compounds(first: 100) { edges { node { name
        buildings { name units(first: 50) { edges { node { label residents { name } } } } } } } } } } }""",
        lambda w: {"id": gid_of(w.c1)},
    ),
    "Q3": (
        "query($id: ID!) { node(id: $id) { id ... on Resident { name gender birthDate idNumberMasked phoneMasked } } }",
        lambda w: {"id": gid_of(w.residents["zhang"])},
    ),
    "Q4": ('{ residents(first: 20, filter: {search: "张"}) { edges { node { id name } } } }', None),
}


@pytest.mark.parametrize("name", sorted(BENCH))
async def test_benchmark_queries_are_one_statement(paths, world, name, on_postgres):
    query, variables = BENCH[name]
    variables = variables(world) if callable(variables) else variables
    _, compiled = paths
    token = world.tokens["district_admin"]
    await compiled(query, variables, token)  # warm: the viewer cache of another change may load once
    with count_statements() as statements:
        body = await compiled(query, variables, token)
    fallbacks = body["extensions"]["compiled"]["fallbacks"]
    # On SQLite too: Q2's five nested levels are hoisted into CTEs below SQLite's parser depth.
    assert fallbacks == []
    assert body["extensions"]["compiled"]["cached"] is True  # the plan of the warm-up request was remembered
    reads = [s for s in statements if "lm_json" in s]
    assert len(reads) == 1, statements
    # Besides it, at most the viewer's own rows (account and grants) are read.
    assert len(statements) - len(reads) <= 2, statements


async def test_plans_that_read_data_are_not_remembered(paths, world):
    _, compiled = paths
    query = "query($a: ID) { residents(filter: {areaId: $a}) { totalCount } }"
    token = world.tokens["s1_manager"]
    for _ in range(2):
        body = await compiled(query, {"a": gid_of(world.c1)}, token)
        # The area is looked up to find its level: that lookup must run again next time.
        assert body["extensions"]["compiled"]["cached"] is False
    other = await compiled(query, {"a": gid_of(world.c2)}, token)
    assert other["data"]["residents"]["totalCount"] == 1
    again = await compiled("{ residents { totalCount } }", None, token)
    again = await compiled("{ residents { totalCount } }", None, token)
    assert again["extensions"]["compiled"]["cached"] is True
    # Another viewer never gets this viewer's plan (its scope is in the statement).
    c2 = await compiled("{ residents { totalCount } }", None, world.tokens["c2_worker"])
    assert c2["extensions"]["compiled"]["cached"] is False and c2["data"]["residents"]["totalCount"] == 1


FIELD_FALLBACKS = [
    # Full personal data stays on the audited resolver: only that field leaves the statement.
    (
        "pii_in_page",
        "{ residents(first: 3) { totalCount edges { cursor node { name idNumber phone unit { label } } } } }",
        {"residents.edges.node.idNumber", "residents.edges.node.phone"},
    ),
    # A nested argument the compiler does not take (the resolver reports it): Building.units and
    # Unit.building are non-null, so the error nulls `unit`, and `unit` is what is resolved.
    (
        "nested_bad_page",
        "{ residents(first: 2) { edges { node { name unit { label building { name "
        "units(first: -1) { totalCount } } } } } } }",
        {"residents.edges.node.unit"},
    ),
    (
        "deep_in_tree",
        "{ districts { name subdistricts { name communities(first: 2) { edges { node { name "
        "residents(first: 1) { edges { node { name idNumber } } } } } } } } }",
        {"districts.subdistricts.communities.edges.node.residents.edges.node.idNumber"},
    ),
]


@pytest.mark.parametrize("viewer", ["super", "c1_worker", "c1_grid", "resident"])
async def test_fields_the_compiler_cannot_express_fall_back_alone(paths, world, viewer):
    for name, query, deferred in FIELD_FALLBACKS:
        expected, got, report = await _both(paths, query, None, world.tokens[viewer])
        assert orjson.dumps(got) == orjson.dumps(expected), (name, viewer, report)
        # The root field was compiled; only the listed fields were left to their resolvers.
        root = query.split("{")[1].split("(")[0].strip()
        assert report["fields"] == [root], (name, report)
        assert {f["field"] for f in report["fallbacks"]} == deferred, (name, report)
        assert all(f["resolved"] == "field" for f in report["fallbacks"]), report


async def test_field_fallback_reads_are_batched(paths, world):
    _, compiled = paths
    token = world.tokens["super"]
    query = "{ residents(first: 40) { edges { node { name idNumber } } } }"
    await compiled(query, None, token)
    with count_statements() as statements:
        body = await compiled(query, None, token)
    assert len(body["data"]["residents"]["edges"]) >= 5
    assert body["extensions"]["compiled"]["deferred"] == len(body["data"]["residents"]["edges"])
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # The compiled statement, one batched lookup of the marked rows (node), whatever the
    # audited resolver reads once: bounded, not one per row.
    assert len(reads) <= 4, statements
