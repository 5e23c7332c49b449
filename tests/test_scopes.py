"""Row scopes (core.scopes): EVERYWHERE survives OR and AND, NOWHERE never widens.

The algebra is checked on its own, then through the API: a superuser who is
also a resident (their own record would be OR-ed with "everywhere") must still
read every row, as an empty Q() inside an OR used to lose it.
"""

import pytest
from tortoise.expressions import Q

from core import models as m
from core.access import policy_scope
from core.enums import AreaLevel
from core.permissions import Scope, Viewer
from core.scopes import EVERYWHERE, NOWHERE, RowScope, Where, all_of, any_of, where
from core.testing import build_world, make_user, token_for

A = where(id=1)
B = where(id=2)


def test_everywhere_absorbs_or_and_is_neutral_for_and():
    assert EVERYWHERE | A is EVERYWHERE
    assert A | EVERYWHERE is EVERYWHERE
    assert any_of(A, NOWHERE, EVERYWHERE, B) is EVERYWHERE
    assert (EVERYWHERE & A) is A
    assert all_of(EVERYWHERE, EVERYWHERE) is EVERYWHERE


def test_nowhere_is_neutral_for_or_and_absorbs_and():
    assert (NOWHERE | A) is A
    assert NOWHERE & A is NOWHERE
    assert A & NOWHERE is NOWHERE
    assert any_of() is NOWHERE
    assert any_of(None, NOWHERE) is NOWHERE
    assert all_of() is EVERYWHERE


def test_where_combines_into_one_q():
    either = A | B
    assert isinstance(either, Where) and either.q().join_type == "OR"
    both = A & B
    assert isinstance(both, Where) and both.q().join_type == "AND"


def test_empty_q_is_refused_so_everywhere_cannot_be_spelt_as_q():
    with pytest.raises(ValueError):
        Where(Q())
    with pytest.raises(ValueError):
        where()
    with pytest.raises(TypeError):
        any_of(A, Q(id=3))  # a bare Q is not a scope


def test_scope_rows():
    assert Scope(everywhere=True).rows() is EVERYWHERE
    assert Scope().rows() is NOWHERE
    rows = Scope(roots=((AreaLevel.COMMUNITY, 5), (AreaLevel.SUBDISTRICT, 2))).rows("unit__")
    assert isinstance(rows, RowScope) and rows.q().join_type == "OR"


def test_every_registered_policy_returns_a_scope_for_a_superuser_resident():
    from core.access import _POLICIES

    viewer = Viewer(is_superuser=True, resident_id=1, resident_unit_id=1, resident_lineage=(1, 2, 3))
    for model in list(_POLICIES):
        scope = policy_scope(viewer, model)
        assert isinstance(scope, RowScope), model


def test_the_staff_directory_is_a_scope_that_keeps_everywhere():
    from core.access import staff_directory

    assert staff_directory(Viewer(is_superuser=True)) is EVERYWHERE
    assert staff_directory(Viewer()) is NOWHERE
    worker = Viewer(resident_id=1, resident_unit_id=1, resident_lineage=(1, 2, 3))
    assert isinstance(staff_directory(worker), RowScope)


async def test_superuser_who_is_a_resident_still_reads_everyone(client):
    w = await build_world()
    boss = await make_user("boss", superuser=True, resident=w.residents["liu"])
    token = token_for(boss)
    body = await client(
        "{ residents(first: 50) { totalCount } units(first: 50) { totalCount } }", token=token
    )
    assert body["data"]["residents"]["totalCount"] == await m.Resident.all().count() == 4
    assert body["data"]["units"]["totalCount"] == await m.Unit.all().count()


async def test_a_plugin_policy_keeps_everywhere_for_a_superuser_resident(app_factory):
    """The volunteers team policy ORs the viewer's scope with their own neighbourhood: a superuser
    living in c2 must still see the teams of c1 and c3 (with a bare Q() they saw c2's only)."""
    from core.testing import GraphQLClient
    from plugins.volunteers import models as vm

    w = await build_world()
    for area in (w.c1, w.c3):
        await vm.VolunteerTeam.create(name=f"{area.name}志愿队", area=area, **area.lineage())
    boss = await make_user("boss", superuser=True, resident=w.residents["wang"])  # lives in c2
    async with GraphQLClient(app_factory(("volunteers",))) as client:
        teams = await client.data("{ volunteerTeams(first: 10) { name } }", token=token_for(boss))
    assert len(teams["volunteerTeams"]) == 2
