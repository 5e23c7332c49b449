"""The GraphQL types composed for the schema being built.

Extensible core types (Resident, Unit, Community, ...) are assembled from a
core base class plus plugin mixins when a schema is built (core.api.schema).
Other types refer to them lazily through this module, whose attributes the
builder sets just before it hands the types to strawberry.
"""

District = Subdistrict = Community = Compound = Building = None
Unit = Resident = Organization = User = None
