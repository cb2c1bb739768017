"""Plain, typed logic with no Dagster imports, in one folder per pipeline domain (as ``defs/``): each module is
usable and testable on its own, and a domain imports only the domains before it (``pyproject.toml``'s contracts)."""
