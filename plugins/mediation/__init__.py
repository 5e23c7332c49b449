"""Built-in plugin "mediation": dispute mediation the 4+A way (see README.md)."""
