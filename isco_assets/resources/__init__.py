"""Dagster resources: thin configurable wrappers that hand out the plain objects in ``lib``."""
