"""Business rules of the volunteers plugin, one module per concern."""
