"""District names are unique (docs/invariants.md).

core_area's UNIQUE (parent_id, name) cannot catch two districts of one name
(their parent_id is NULL, and NULLs never collide), so createArea's name check
for districts had nothing behind it under concurrency. A partial unique index
on (name) WHERE parent_id IS NULL closes that (declared on the model,
Area.Meta.constraints). A database that already holds two districts of one
name stops this migration with the index's name: rename one and migrate again.
"""

from tortoise import migrations
from tortoise.migrations.constraints import UniqueConstraint

from core.migration_ops import AddPartialUniqueIndex


class Migration(migrations.Migration):
    dependencies = [('core', '0002_one_head_per_unit')]

    initial = False

    operations = [
        AddPartialUniqueIndex(
            model_name='Area',
            constraint=UniqueConstraint(fields=('name',), name='core_area_unique_district_name',
                                        condition='parent_id IS NULL'),
        ),
    ]
