"""The heavy steps through Dagster Pipes: ``heavy_steps`` resource backends and the program they start.

``subprocess`` runs ``python -m isco_assets.pipes.heavy_step`` through ``PipesSubprocessClient``; the assets must
come out as they do in process. ``azure_ml`` passes context, messages and tables through a blob container; that
channel (the resource's injector, reader and blob tables, the program's loader and writer) runs here against
Azurite, with a subprocess in place of the Azure ML job, which needs a workspace.
"""

import sys
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from azure.ai.ml.entities import Command
from azure.storage.blob import BlobServiceClient
from dagster_azure.pipes import PipesAzureMLClient

from isco_assets.defs.discover.assets import job_clusters
from isco_assets.defs.embed.assets import post_embeddings
from isco_assets.lib.embed.embedding import EmbeddingCache, make_embedder, stack_vectors
from isco_assets.pipes.tables import BlobTables
from isco_assets.resources.compute import PROGRAM, HeavyStepsResource, heavy_steps_resource, run_heavy_step
from isco_assets.resources.environment import config_from_env
from isco_assets.resources.parquet_io import ParquetIOManager, read_table
from isco_assets.resources.services import EmbedderResource
from isco_assets.resources.settings import PlatformSettings

GROUPS = {  # title -> posts; four kinds of work with variants, and a few loners
    "registered nurse": 9, "staff nurse": 7, "nurse": 12, "nurse practitioner": 4, "icu nurse": 5,
    "cook": 8, "chef": 10, "line cook": 6, "sous chef": 5, "kitchen cook": 4,
    "truck driver": 11, "lorry driver": 6, "delivery driver": 9, "heavy goods vehicle driver": 4, "van driver": 5,
    "prompt engineer": 6, "ai prompt engineer": 5, "prompt designer": 4, "llm prompt engineer": 5,
    "generative ai prompt specialist": 4, "beekeeper": 1, "tax auditor": 2, "organ builder": 1,
}
TITLES = list(GROUPS)


def unshipped(titles: list[str], folder: Path) -> int:
    """How many titles an empty cache must encode: the package ships the vectors of the bundled index's labels,
    and a title that reads like one of them ("beekeeper") needs none."""
    return len(EmbeddingCache(folder / "no-cache", make_embedder("").model_id).missing(titles))


def posts(titles: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"title_norm": [t for t in titles for _ in range(GROUPS.get(t, 1))]})


def materialize(data: Path, heavy_steps: HeavyStepsResource, titles: list[str], instance: dg.DagsterInstance,
                assets: tuple[dg.AssetsDefinition, ...] = (post_embeddings, job_clusters)) -> dg.ExecuteInProcessResult:
    """``assets`` over clean posts carrying ``titles``, stored as Parquet under ``data``."""

    @dg.asset(name="clean_posts")
    def clean_posts() -> pd.DataFrame:
        return posts(titles)

    result = dg.materialize(
        [clean_posts, *assets], instance=instance,
        resources={"settings": PlatformSettings(data_dir=str(data)), "embedder": EmbedderResource(),
                   "heavy_steps": heavy_steps, "io_manager": ParquetIOManager(base_dir=str(data / "tables"))},
    )
    assert result.success
    return result


def metadata_of(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def step_logs(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> list[str]:
    """What the heavy-step program logged through Pipes in this run."""
    return [e.user_message for e in instance.all_logs(result.run_id) if "rows from" in e.user_message]


@pytest.mark.slow
def test_subprocess_backend_matches_in_process(tmp_path: Path) -> None:
    with dg.instance_for_test() as instance:
        local = materialize(tmp_path / "local", HeavyStepsResource(), TITLES, instance)
        piped = materialize(tmp_path / "piped", HeavyStepsResource(backend="subprocess"), TITLES, instance)
        assert step_logs(instance, local) == []
        assert step_logs(instance, piped) == [f"embed: {unshipped(TITLES, tmp_path)} rows from input.parquet",
                                              f"cluster: {len(TITLES)} rows from input.parquet"]
        assert metadata_of(piped, "post_embeddings")["device"] == "subprocess:cpu"

    def table(side: str, name: str) -> pd.DataFrame:
        return read_table(tmp_path / side / "tables" / f"{name}.parquet")

    ours, theirs = table("local", "post_embeddings"), table("piped", "post_embeddings")
    assert ours["title_norm"].tolist() == theirs["title_norm"].tolist()
    np.testing.assert_allclose(stack_vectors(ours["vector"]), stack_vectors(theirs["vector"]), atol=1e-5)
    ours, theirs = table("local", "cluster_assignments"), table("piped", "cluster_assignments")
    pd.testing.assert_frame_equal(ours, theirs)
    by_title = dict(zip(ours["title_norm"], ours["cluster_id"], strict=True))
    assert by_title["registered nurse"] == by_title["staff nurse"] != by_title["truck driver"]
    clusters = [table(side, "job_clusters")[["cluster_id", "n_posts", "n_titles"]] for side in ("local", "piped")]
    pd.testing.assert_frame_equal(*clusters)


@pytest.mark.slow
def test_subprocess_backend_sends_only_titles_missing_from_the_cache(tmp_path: Path) -> None:
    heavy = HeavyStepsResource(backend="subprocess")
    first, more = TITLES[:-3], TITLES
    with dg.instance_for_test() as instance:
        materialize(tmp_path, heavy, first, instance, (post_embeddings,))
        again = materialize(tmp_path, heavy, first, instance, (post_embeddings,))
        grown = materialize(tmp_path, heavy, more, instance, (post_embeddings,))
        assert step_logs(instance, again) == []
        assert metadata_of(again, "post_embeddings")["newly_encoded"] == 0
        new = unshipped(more, tmp_path) - unshipped(first, tmp_path)
        assert new >= 1 and step_logs(instance, grown) == [f"embed: {new} rows from input.parquet"]
        assert metadata_of(grown, "post_embeddings")["newly_encoded"] == new
    vectors = read_table(tmp_path / "tables" / "post_embeddings.parquet")
    assert len(vectors) == len(more)
    assert np.allclose(np.linalg.norm(stack_vectors(vectors["vector"]), axis=1), 1.0, atol=1e-5)


@dg.asset
def blob_step(context: dg.AssetExecutionContext, heavy_steps: HeavyStepsResource) -> dg.MaterializeResult:
    """The azure_ml backend's channel with a local subprocess as the job: both steps, one after the other."""
    tables = {"input": f"in/{context.run_id}.parquet", "output": f"out/{context.run_id}.parquet",
              "container": heavy_steps.container}
    launch = {"command": [sys.executable, "-m", PROGRAM],
              "env": {"AZURE_STORAGE_CONNECTION_STRING": heavy_steps.connection_string}}
    with heavy_steps.open_blob_service() as service:
        store = BlobTables(service.get_container_client(heavy_steps.container))

        def run(table: pd.DataFrame, extras: dict) -> tuple[pd.DataFrame, dict]:
            injector, reader = heavy_steps.blob_channel(service)  # a reader counts chunks: one per run
            client = dg.PipesSubprocessClient(context_injector=injector, message_reader=reader)
            return run_heavy_step(context, client, store, table, {**tables, **extras}, **launch)

        embedded, facts = run(pd.DataFrame({"title_norm": TITLES}), {"step": "embed", "embedder": {}})
        assert facts["rows"] == len(TITLES) and facts["dimensions"] == 384
        table = pd.DataFrame({"vector": embedded["vector"], "n_posts": [float(GROUPS[t]) for t in TITLES]})
        clustered, facts = run(table, {"step": "cluster", "params": {"min_cluster_size": 3}})
        assert facts["min_cluster_size"] == 3 and facts["clusters"] >= 2
    return dg.MaterializeResult(value=clustered.assign(title_norm=TITLES))  # typed: a Pipes session ran


@pytest.mark.slow
def test_azure_ml_channel_through_blob_storage(azurite) -> None:
    container = azurite.new_container()
    heavy = HeavyStepsResource(backend="azure_ml", container=container, connection_string=azurite.connection_string,
                               poll_interval_seconds=0.2)
    result = dg.materialize([blob_step], resources={"heavy_steps": heavy})
    assert result.success
    out = result.output_for_node("blob_step")
    by_title = dict(zip(out["title_norm"], out["label"], strict=True))
    assert by_title["registered nurse"] == by_title["staff nurse"] != -1
    assert stack_vectors(out["reduced"]).shape[0] == len(TITLES)
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    names = [b.name for b in service.get_container_client(container).list_blobs()]
    assert not [n for n in names if n.endswith(".parquet") or n.endswith("context.json")]  # tables, context removed


AZURE_ML_VARIABLES = {
    "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000", "ISCO_AZUREML_RESOURCE_GROUP": "isco-rg",
    "ISCO_AZUREML_WORKSPACE": "isco-ml", "ISCO_AZUREML_COMPUTE": "gpu-cluster",
    "ISCO_AZUREML_ENVIRONMENT": "isco-assets@latest", "ISCO_PIPES_CONTAINER": "pipes",
    "AZURE_STORAGE_ACCOUNT_URL": "https://iscostore.blob.core.windows.net",
    "ISCO_AZUREML_IDENTITY_CLIENT_ID": "11111111-1111-1111-1111-111111111111",
}


def test_azure_ml_backend_builds_its_client_and_job_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in AZURE_ML_VARIABLES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ISCO_HEAVY_STEPS", "azure_ml")
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING", raising=False)
    configured = heavy_steps_resource(config_from_env("").heavy_steps)
    assert configured.workspace == "isco-ml"  # a setting, not a secret: shown in the UI
    heavy = configured.process_config_and_initialize()
    heavy.check_azure_ml()
    service = BlobServiceClient(heavy.account_url)  # no request is sent while building
    client = heavy.azure_ml_client(service)
    assert isinstance(client, PipesAzureMLClient)
    assert (client.client.subscription_id, client.client.resource_group_name, client.client.workspace_name) == (
        "00000000-0000-0000-0000-000000000000", "isco-rg", "isco-ml")
    assert client.context_injector.bucket == client.message_reader.bucket == "pipes"
    job = heavy.azure_ml_command("embed", service)
    assert isinstance(job, Command)
    assert (job.command, job.compute, job.environment) == (f"python -m {PROGRAM}", "gpu-cluster", "isco-assets@latest")
    assert job.environment_variables == {"AZURE_STORAGE_ACCOUNT_URL": "https://iscostore.blob.core.windows.net",
                                         "AZURE_CLIENT_ID": "11111111-1111-1111-1111-111111111111"}


def test_azure_ml_backend_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISCO_HEAVY_STEPS", "azure_ml")
    for name in [*AZURE_ML_VARIABLES, "AZURE_STORAGE_CONNECTION_STRING"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ISCO_AZUREML_WORKSPACE", "isco-ml")
    with pytest.raises(ValueError, match=r"AZURE_SUBSCRIPTION_ID.*ISCO_PIPES_CONTAINER.*AZURE_STORAGE_ACCOUNT_URL"):
        heavy_steps_resource(config_from_env("").heavy_steps).process_config_and_initialize().check_azure_ml()


def test_backend_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ISCO_HEAVY_STEPS", raising=False)
    assert heavy_steps_resource(config_from_env("").heavy_steps).backend == "in_process"
    monkeypatch.setenv("ISCO_HEAVY_STEPS", "subprocess")
    assert heavy_steps_resource(config_from_env("").heavy_steps).backend == "subprocess"
    monkeypatch.setenv("ISCO_HEAVY_STEPS", "gpu_please")
    with pytest.raises(ValueError, match=r"heavy_steps\.backend is one of in_process, subprocess, azure_ml, not 'gpu_"):
        config_from_env("")
