"""Partitions shared across domains: one dynamic partition per partner drop, and how unpartitioned assets
follow partitioned ones."""

import dagster as dg

drops_partitions = dg.DynamicPartitionsDefinition(name="drops")

# Eager, but not held back by missing upstream partitions: a rejected drop or feedback file stays unmaterialized
# for good, and the union over the others must still update.
EAGER_PAST_MISSING_PARTITIONS = dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())
