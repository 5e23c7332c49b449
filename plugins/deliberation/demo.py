async def load_demo(ctx):
    return None
