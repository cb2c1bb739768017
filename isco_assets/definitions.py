"""The code location: every ``defs`` domain, with resources built from the settings.

Defaults run offline with no credentials. ``ISCO_DATA_DIR`` holds all state and ``ISCO_CONFIG`` names the settings
file; its ``embedding``, ``landing``, ``translator``, ``llm`` and ``heavy_steps`` sections (each key overridable by
an environment variable, secrets only from the environment: ``lib/config.py``, docs/configuration.md) choose the
main model, the landing zone (local or Azure Blob Storage), Azure Translator, the LLM namer and re-ranker, and where
the heavy steps run (in process, a Pipes subprocess, Azure ML).
"""

from __future__ import annotations

import dagster as dg

from isco_assets.defs.classify import assets as classify
from isco_assets.defs.discover import assets as discover
from isco_assets.defs.embed import assets as embed
from isco_assets.defs.feedback import assets as feedback
from isco_assets.defs.feedback.sensors import expert_feedback_job, feedback_sensor
from isco_assets.defs.ingest import assets as ingest
from isco_assets.defs.ingest.sensors import ingest_drop_job, landing_zone_sensor
from isco_assets.defs.prepare import assets as prepare
from isco_assets.defs.scrape.assets import scrape_definitions
from isco_assets.defs.scrape.resources import JobBoardScraper
from isco_assets.resources.compute import heavy_steps_resource
from isco_assets.resources.environment import config_file_from_env, config_from_env, layout_from_env
from isco_assets.resources.landing import LandingZoneResource, landing_zone_resource
from isco_assets.resources.llm import namer_resource, reranker_resource
from isco_assets.resources.parquet_io import ParquetIOManager
from isco_assets.resources.services import EmbedderResource
from isco_assets.resources.settings import PlatformSettings
from isco_assets.resources.translator import translator_resource

MODULES = [ingest, prepare, embed, classify, discover, feedback]

pipeline_job = dg.define_asset_job(
    "pipeline",
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets("raw_job_posts", "quarantined_rows", "scraped_job_posts", "expert_feedback"),
    description="Everything after ingestion: union, cleaning, embeddings, index, codes, clusters, candidates.",
)

# Declarative automation (job_posts and everything after it follow the drops) runs from the start: Dagster's
# implicit default_automation_condition_sensor is stopped until someone finds its toggle.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation_sensor", target=dg.AssetSelection.all(), default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluates every asset's automation condition: after a drop lands, job_posts and the assets after it "
    "update (eager), with no toggle to switch on.",
)


def build_definitions(
    data_dir: str | None = None, config_file: str | None = None, landing_zone: LandingZoneResource | None = None,
    scraper: JobBoardScraper | None = None,
) -> dg.Definitions:
    layout = layout_from_env(data_dir)
    config_file = config_file_from_env(config_file)
    config = config_from_env(config_file)
    settings = PlatformSettings(data_dir=str(layout.root), config_file=config_file,
                                cache_dir=str(layout.derived_root or ""))
    core = dg.Definitions(
        assets=dg.load_assets_from_modules(MODULES),
        asset_checks=dg.load_asset_checks_from_modules(MODULES),
        sensors=[landing_zone_sensor, feedback_sensor, automation_sensor],
        jobs=[ingest_drop_job, pipeline_job, expert_feedback_job],
        # one process per run, as isco-run: a process per step reloads torch and the models each time (6-25 s a
        # step on 2 cores, longer than most steps take), and the graph is nearly a chain, so steps gain little
        # from running side by side; heavy steps leave the run through Pipes anyway
        executor=dg.in_process_executor,
        resources={
            "settings": settings,
            "landing_zone": landing_zone or landing_zone_resource(config.landing, str(layout.landing)),
            "io_manager": ParquetIOManager(base_dir=str(layout.tables)),
            "embedder": EmbedderResource(model_path=config.embedding.model, device=config.embedding.device,
                                         batch_size=config.embedding.batch_size),
            "heavy_steps": heavy_steps_resource(config.heavy_steps),
            "translator": translator_resource(config.translator, str(layout.cache)),
            "namer": namer_resource(config, str(layout.cache)),
            "reranker": reranker_resource(config, str(layout.cache)),
        },
    )
    return dg.Definitions.merge(core, scrape_definitions(scraper))


defs = build_definitions()
