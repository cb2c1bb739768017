"""Dagster wiring per domain: assets, checks, sensors. Each module stays thin over ``lib``."""
