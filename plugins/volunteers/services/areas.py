"""Keeping areas that volunteer rows still point at."""

from __future__ import annotations

from plugins.volunteers import models as vm


async def area_usage(area_id: int) -> str | None:
    if await vm.VolunteerTeam.filter(area_id=area_id).exists():
        return "volunteer teams belong to it"
    if await vm.VolunteerActivity.filter(area_id=area_id).exists():
        return "volunteer activities are held in it"
    return None
