"""The heavy-step Pipes script (deploy/pipes/heavy_step.py), run as Dagster runs it.

Locally it runs through ``PipesSubprocessClient``. On Azure ML, ``PipesAzureMLClient`` passes context and
messages through a blob container; that channel (the injector and reader it is given, the loader and
writer the script picks) is run here against Azurite, with a subprocess in place of the Azure ML job.
"""

import io
import os
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from azure.storage.blob import BlobServiceClient
from dagster_azure.pipes import PipesAzureBlobStorageContextInjector, PipesAzureBlobStorageMessageReader

SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "pipes" / "heavy_step.py"
TITLES = ["registered nurse", "staff nurse", "nurse", "cook", "chef", "line cook", "prompt engineer",
          "ai prompt engineer", "prompt designer", "truck driver", "lorry driver", "delivery driver"]


@dg.asset
def title_vectors(context: dg.AssetExecutionContext, pipes: dg.PipesSubprocessClient) -> dg.MaterializeResult:
    extras = context.run.tags  # the test puts the step's extras in the run's tags
    return pipes.run(
        command=[sys.executable, str(SCRIPT)], context=context,
        extras={k.removeprefix("x/"): v for k, v in extras.items() if k.startswith("x/")},
        env={k: v for k, v in os.environ.items() if k.startswith("AZURE_STORAGE")},
    ).get_materialize_result()


def run(pipes: dg.PipesSubprocessClient, **extras: str) -> dict:
    result = dg.materialize([title_vectors], resources={"pipes": pipes}, tags={f"x/{k}": v for k, v in extras.items()})
    assert result.success
    [event] = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.materialization.metadata.items()}


def test_embed_then_cluster_locally_through_a_subprocess(tmp_path: Path) -> None:
    titles = tmp_path / "titles.parquet"
    pd.DataFrame({"title_norm": TITLES, "n_posts": [5] * len(TITLES)}).to_parquet(titles)
    vectors, clusters = tmp_path / "vectors.parquet", tmp_path / "clusters.parquet"

    embedded = run(dg.PipesSubprocessClient(), step="embed", input=str(titles), output=str(vectors))
    assert embedded["rows"] == len(TITLES) and embedded["dimensions"] == 384
    frame = pd.read_parquet(vectors)
    assert frame["title_norm"].tolist() == TITLES and len(frame["vector"].iloc[0]) == 384

    clustered = run(dg.PipesSubprocessClient(), step="cluster", input=str(vectors), output=str(clusters),
                    min_cluster_size="2", dimensions="4")
    out = pd.read_parquet(clusters)
    assert clustered["rows"] == len(TITLES) and "cluster" in out
    by_title = dict(zip(out["title_norm"], out["cluster"], strict=True))
    assert by_title["registered nurse"] == by_title["staff nurse"] != -1


def test_azure_ml_channel_through_blob_storage(azurite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    container = azurite.new_container()
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    buffer = io.BytesIO()
    pd.DataFrame({"title_norm": TITLES}).to_parquet(buffer)
    service.get_container_client(container).upload_blob("in/titles.parquet", buffer.getvalue())
    pipes = dg.PipesSubprocessClient(  # what PipesAzureMLClient is given, around a subprocess instead of a job
        context_injector=PipesAzureBlobStorageContextInjector(container=container, client=service),
        message_reader=PipesAzureBlobStorageMessageReader(container=container, client=service, interval=0.2),
    )
    metadata = run(pipes, step="embed", container=container, input="in/titles.parquet", output="out/vectors.parquet")
    assert metadata["rows"] == len(TITLES) and metadata["output"] == "out/vectors.parquet"
    data = service.get_container_client(container).download_blob("out/vectors.parquet").readall()
    assert len(pd.read_parquet(io.BytesIO(data))["vector"].iloc[0]) == 384
