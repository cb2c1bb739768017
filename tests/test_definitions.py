"""The code location loads, with every asset, check, sensor and job the UI should show."""

import dagster as dg

from isco_assets.definitions import build_definitions

ASSETS = {
    "raw_job_posts", "quarantined_rows", "job_posts", "translated_posts", "clean_posts", "post_embeddings",
    "isco_index", "isco_codes", "job_clusters", "cluster_assignments", "cluster_names", "novel_occupation_candidates",
    "scraped_job_posts", "expert_feedback", "expert_decisions", "cluster_activity",
}


def test_definitions_load(data_dir):
    defs = build_definitions()
    dg.Definitions.validate_loadable(defs)
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert keys == ASSETS
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, f"{key} has no description"
        assert node.group_name != "default", f"{key} has no group"
    checks = {k.name for k in graph.asset_check_keys}
    assert {"rows_reconcile", "job_posts_not_empty", "every_post_coded", "review_share_acceptable",
            "candidates_not_covered", "cluster_ids_unique", "candidate_evidence_complete"} <= checks
    assert defs.resolve_sensor_def("landing_zone_sensor")
    assert defs.resolve_sensor_def("feedback_sensor")
    assert defs.resolve_job_def("apply_expert_feedback")
    assert {defs.resolve_job_def(n).name for n in ("ingest_drop", "pipeline")} == {"ingest_drop", "pipeline"}


def test_module_level_defs_importable():
    from isco_assets import definitions

    assert isinstance(definitions.defs, dg.Definitions)


def test_declarative_automation_runs_with_no_toggle(data_dir):
    """Dagster's implicit default_automation_condition_sensor starts stopped; ours starts running and covers every
    asset with an automation condition, so a drop reaches the candidates without a switch to find."""
    repository = build_definitions().get_repository_def()
    sensors = {s.name: s for s in repository.sensor_defs}
    assert "default_automation_condition_sensor" not in sensors
    automation = sensors["automation_sensor"]
    assert isinstance(automation, dg.AutomationConditionSensorDefinition)
    assert automation.default_status == dg.DefaultSensorStatus.RUNNING
    automated = {k for k in repository.asset_graph.get_all_asset_keys()
                 if repository.asset_graph.get(k).automation_condition is not None}
    assert {dg.AssetKey("job_posts"), dg.AssetKey("novel_occupation_candidates")} <= automated
    assert automated <= automation.asset_selection.resolve(repository.asset_graph)


def test_a_fresh_instance_materializes_what_no_upstream_update_would_start(data_dir):
    """On a fresh instance no expert file has arrived, so nothing upstream of expert_decisions ever updates; it is
    requested on the first evaluation anyway, and isco_index once it is stored, or isco_index and everything after it
    would wait for good."""
    defs = build_definitions()
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert result.get_num_requested(dg.AssetKey("expert_decisions")) == 1
        instance.report_runless_asset_event(dg.AssetMaterialization("expert_decisions"))  # as its run would
        after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=result.cursor)
        assert after.get_num_requested(dg.AssetKey("isco_index")) == 1
        assert after.get_num_requested(dg.AssetKey("expert_decisions")) == 0
