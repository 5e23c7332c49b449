"""Built-in plugins: each folder with a ``plugin.py`` module is one (see docs/plugins.md)."""
