"""The plugin's permission strings and roles."""

from __future__ import annotations

from core.permissions import RoleDef

READ = "volunteers.read"
MANAGE = "volunteers.manage"
SIGNUP = "volunteers.signup"

PERMISSIONS = {
    READ: "Read volunteers, teams, activities, signups, hours and statistics of the area.",
    MANAGE: "Register volunteers, run teams and activities, sign anyone in scope up, check in and out, verify hours.",
    SIGNUP: "Sign oneself up for (and out of) activities and check oneself in and out (residents).",
}

ROLES = [
    RoleDef(
        "volunteer_coordinator",
        "Volunteer coordinator (志愿服务站负责人): runs volunteers, teams and activities of the area.",
        frozenset({"area.read", "resident.read", READ, MANAGE, SIGNUP}),
    ),
    RoleDef("area_manager", "", frozenset({READ, MANAGE, SIGNUP})),
    RoleDef("community_worker", "", frozenset({READ, MANAGE, SIGNUP})),
    RoleDef("grid_worker", "", frozenset({READ})),
    RoleDef("resident", "", frozenset({SIGNUP})),
]
