"""How volunteers' reads map to SQL for the compiled read path (core.compiler).

A field volunteers adds to a core type (``Resident.volunteer``), the team
list ``volunteerTeams`` and the stored fields of teams and volunteers
compile; hours, signups and memberships are resolved as before.
"""

from __future__ import annotations

from core.access import below
from core.compiler.mapping import Column, Count, GlobalId, Ref, Rows, TypeMap
from plugins.volunteers import models as vm


async def _teams_where(args, info):
    if args.get("area_id") is None:
        return None
    from plugins.volunteers.schema import _area

    return below(await _area(info, args["area_id"]))


def mappings() -> list[TypeMap]:
    volunteer = TypeMap(
        "Volunteer",
        vm.Volunteer,
        {
            "id": GlobalId(),
            "status": Column("status", "enum"),
            "joinedOn": Column("joined_on", "date"),
            "skills": Column("skills_text", "tags"),
            "resident": Ref("Resident", "resident_id"),
        },
    )
    team = TypeMap(
        "VolunteerTeam",
        vm.VolunteerTeam,
        {
            "id": GlobalId(),
            "name": Column("name"),
            "leader": Ref("Volunteer", "leader_id"),
            "memberCount": Count(vm.TeamMembership, "team_id"),
        },
    )
    # A field added to a core type: the resident's profile, as the loader children(Volunteer, "resident_id") reads it.
    resident = TypeMap("Resident", fields={"volunteer": Rows("Volunteer", fk="resident_id", single=True)})
    query = TypeMap(
        "Query",
        fields={
            "volunteerTeams": Rows(
                "VolunteerTeam",
                fk=None,
                where=_teams_where,
                order=("name", "id"),
                pages=frozenset({"first", "after"}),
                args=frozenset({"area_id"}),
            ),
        },
    )
    return [volunteer, team, resident, query]
