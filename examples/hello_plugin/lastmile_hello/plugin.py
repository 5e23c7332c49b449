"""Says hello: a root query field and an extra field on Resident."""

import strawberry

from core.hookspecs import hookimpl
from core.permissions import RoleDef

NAME = "hello"
VERSION = "0.1.0"
DESCRIPTION = "Greets people (an example plugin)."


@strawberry.type(name="HelloQuery")
class HelloQuery:
    @strawberry.field(description="A greeting for `name`.")
    def hello(self, name: str = "world") -> str:
        return f"你好, {name}!"


@strawberry.type(name="HelloResidentFields")
class HelloResidentFields:
    @strawberry.field(
        description="A greeting addressed to the resident (no database work, so no loader needed)."
    )
    def greeting(self) -> str:
        return f"你好, {self.name}!"


@hookimpl
def lastmile_permissions():
    return {"hello.greet": "Greet residents."}


@hookimpl
def lastmile_roles():
    return [RoleDef("community_worker", "", frozenset({"hello.greet"}))]


@hookimpl
def lastmile_query_fields():
    return [HelloQuery]


@hookimpl
def lastmile_type_extensions():
    return {"Resident": [HelloResidentFields]}
