"""lastmile core: areas, units, residents, organisations, accounts, and the plugin host."""

__version__ = "0.1.0"
