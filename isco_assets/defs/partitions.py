"""Partitions shared across domains: one dynamic partition per partner drop, and how unpartitioned assets
follow partitioned ones."""

import dagster as dg

drops_partitions = dg.DynamicPartitionsDefinition(name="drops")

# Eager, but not held back by missing upstream partitions: a rejected drop or feedback file stays unmaterialized
# for good, and the union over the others must still update.
EAGER_PAST_MISSING_PARTITIONS = dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())

# The same, and also once when missing: an asset whose upstream may never update (expert decisions before any
# feedback file) must still be materialized on a fresh instance, or everything after it waits for good. Eager's own
# missing trigger only fires for what becomes missing after the sensor's first evaluation; a failed run is not
# requested again until something upstream updates.
EAGER_OR_FIRST_MISSING = EAGER_PAST_MISSING_PARTITIONS | (
    dg.AutomationCondition.missing() & ~dg.AutomationCondition.in_progress()
    & ~dg.AutomationCondition.execution_failed()
)
