"""Partitions shared across domains: one dynamic partition per partner drop."""

import dagster as dg

drops_partitions = dg.DynamicPartitionsDefinition(name="drops")
