"""Demo data: filled in below."""


async def load_demo(ctx) -> None:
    return None
