"""Business rules of civility campaigns; the lifecycle lives in ``lifecycle``."""
