"""Demo data: placeholder."""


async def load_demo(ctx) -> None:
    return None
