from core.testing import build_world


async def test_districts_tree(client):
    w = await build_world()
    data = await client.data(
        "{ districts { id name subdistricts { name isTown communities { totalCount edges { node { name residentCount } } } } } }",
        token=w.tokens["super"],
    )
    d = data["districts"][0]
    assert d["name"] == "上街区"
    assert [s["name"] for s in d["subdistricts"]] == ["峡窝镇", "济源路街道"] or len(d["subdistricts"]) == 2
