"""The landing-zone sensor: one partition and one run per new drop, nothing twice, changes are new drops."""

import json

import dagster as dg

from isco_assets.defs.ingest.sensors import landing_zone_sensor
from isco_assets.defs.partitions import drops_partitions
from isco_assets.resources.settings import PlatformSettings


def evaluate(instance: dg.DagsterInstance, settings: PlatformSettings, cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"settings": settings})
    return landing_zone_sensor(context)


def apply(instance: dg.DagsterInstance, result: dg.SensorResult) -> None:
    """What the daemon does with a result: register the requested partitions."""
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))


def test_new_drops_get_a_partition_and_a_run_each(data_dir):
    settings = PlatformSettings(data_dir=str(data_dir))
    generic = data_dir / "landing" / "generic"
    generic.mkdir(parents=True)
    (generic / "a.csv").write_text("job_title\nNurse\n")
    (generic / "b.jsonl").write_text('{"job_title": "Cook"}\n')
    (generic / ".partial.csv").write_text("job_title\nIgnored\n")
    with dg.instance_for_test() as instance:
        first = evaluate(instance, settings, None)
        requested = {r.partition_key for r in first.run_requests}
        added = set(first.dynamic_partitions_requests[0].partition_keys)
        assert requested == added and len(requested) == 2
        assert all(k.startswith("generic__") for k in requested)
        apply(instance, first)
        assert set(instance.get_dynamic_partitions(drops_partitions.name)) == requested

        second = evaluate(instance, settings, first.cursor)
        assert second.run_requests == [] and not second.dynamic_partitions_requests

        # the cursor survives a restart (a fresh evaluation with the stored cursor sees nothing new)
        assert json.loads(second.cursor) == json.loads(first.cursor)

        # a changed file under the same name is a new drop, never silently ignored
        (generic / "a.csv").write_text("job_title\nNurse\nMidwife\n")
        third = evaluate(instance, settings, second.cursor)
        assert len(third.run_requests) == 1
        assert third.run_requests[0].partition_key not in requested
