"""Plain, typed logic with no Dagster imports: each module is usable and testable on its own."""
