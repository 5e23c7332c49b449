"""The plugin's one table: a notice pinned to a community's board."""

from tortoise import fields
from tortoise.fields import SET_NULL
from tortoise.models import Model

from core.models import Lineage


class Notice(Lineage, Model):  # the lineage columns (district_ref ...) let core's scopes filter it
    id = fields.IntField(primary_key=True)
    community = fields.ForeignKeyField("core.Area", related_name="noticeboard_notices")
    title = fields.CharField(max_length=120)
    body = fields.TextField()
    pinned = fields.BooleanField(default=False)
    posted_by = fields.ForeignKeyField("core.User", "noticeboard_notices", null=True, on_delete=SET_NULL)
    posted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "noticeboard_notice"
