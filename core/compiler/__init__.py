"""The compiled read path: a root field's selection becomes one SQL statement.

``plan`` collects the selection of a root field (fragments, directives,
arguments) the way graphql-core would; ``build`` turns it into SQL whose
result is the field's JSON, built by the database (json_build_object /
json_agg on PostgreSQL, json_object / json_group_array on SQLite), with the
viewer's scope applied to every table through ``where`` (the same Q policies
as ``core.access``). ``mapping`` declares how GraphQL types and fields map to
tables and columns (core's in ``core_maps``, plugins' through the
``lastmile_sql_mappings`` hook). ``extension`` runs it inside strawberry's
pipeline and hands what it cannot express to the resolvers.
"""
