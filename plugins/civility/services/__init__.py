"""Business rules of civility campaigns; the lifecycle lives in ``lifecycle``."""

# Longest remark, comment or criterion description (trimmed, storable: core.services.guards).
TEXT_MAX = 2000
