"""A mutation's payload reads what the mutation wrote, even when an earlier field of the same
request cached the old rows (run_mutation starts the request's loaders afresh after commit)."""

from core.testing import build_world

HOUSEHOLD = "resident { unit { residents { name } } }"
DOC = f"""mutation($wife: ID!, $zhang: ID!, $to: ID!) {{
  before: updateResident(input: {{id: $wife, name: "李娜"}}) {{ userErrors {{ code }} {HOUSEHOLD} }}
  move: moveResident(input: {{residentId: $zhang, unitId: $to, relationToHead: OTHER}}) {{
    userErrors {{ code }} resident {{ unit {{ id residents {{ name }} }} }} }}
  after: updateResident(input: {{id: $wife, name: "李娜"}}) {{ userErrors {{ code }} {HOUSEHOLD} }}
}}"""


async def test_a_payload_after_a_move_reads_the_households_as_they_are_now(client):
    w = await build_world()
    data = await client.data(
        DOC,
        {
            "wife": w.gid(w.residents["zhang_wife"]),
            "zhang": w.gid(w.residents["zhang"]),
            "to": w.gid(w.unit2),
        },
        w.tokens["super"],
    )
    names = lambda part: sorted(r["name"] for r in data[part]["resident"]["unit"]["residents"])  # noqa: E731
    assert data["before"]["userErrors"] == [] and data["move"]["userErrors"] == []
    assert names("before") == ["张伟", "李娜"]  # read (and cached) before the move
    assert data["move"]["resident"]["unit"]["id"] == w.gid(w.unit2)
    assert names("move") == ["张伟", "王芳"]
    assert names("after") == ["李娜"]  # not the household cached by `before`
