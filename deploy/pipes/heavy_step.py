"""A heavy step of the pipeline (embedding titles, clustering vectors) as a Dagster Pipes script.

One script, two places to run it:

- locally or in the run's own container, through ``dagster.PipesSubprocessClient`` (context and messages
  through temporary files; input and output are file paths);
- on Azure ML compute (GPU for embedding, many cores for clustering), through dagster-azure's
  ``PipesAzureMLClient``: context and messages go through a blob container
  (``PipesAzureBlobStorageContextInjector`` / ``PipesAzureBlobStorageMessageReader`` on the Dagster side),
  and input and output are blob names in ``extras["container"]``.

The script finds out which from the Pipes parameters Dagster passes (a ``bucket`` means Azure Blob) and
connects to the storage account with ``AZURE_STORAGE_CONNECTION_STRING`` when set, else with
``AZURE_STORAGE_ACCOUNT_URL`` and ``DefaultAzureCredential`` (the compute's managed identity).

Extras: ``step`` (``embed``: a table with ``title_norm`` [and ``n_posts``] -> the same rows with ``vector``;
``cluster``: a table with ``vector`` [and ``n_posts``] -> the same rows with ``cluster``), ``input``,
``output``, optionally ``container``, ``model_path`` (embed), ``min_cluster_size`` and ``dimensions`` (cluster).
"""

from __future__ import annotations

import io
import os
import time
from typing import Any

import numpy as np
import pandas as pd
from dagster_pipes import (
    PipesAzureBlobStorageContextLoader,
    PipesAzureBlobStorageMessageWriter,
    PipesDefaultContextLoader,
    PipesDefaultMessageWriter,
    PipesEnvVarParamsLoader,
    open_dagster_pipes,
)


def blob_service() -> Any:
    from azure.storage.blob import BlobServiceClient

    if os.environ.get("AZURE_STORAGE_CONNECTION_STRING"):
        return BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
    from azure.identity import DefaultAzureCredential

    return BlobServiceClient(os.environ["AZURE_STORAGE_ACCOUNT_URL"], credential=DefaultAzureCredential())


def channels() -> tuple[Any, Any]:
    """Blob-based context loader and message writer when Dagster sent blob parameters, else file-based ones."""
    params = PipesEnvVarParamsLoader()
    if "bucket" in params.load_context_params():
        client = blob_service()
        return PipesAzureBlobStorageContextLoader(client), PipesAzureBlobStorageMessageWriter(client, interval=1)
    return PipesDefaultContextLoader(), PipesDefaultMessageWriter()


def read_table(extras: dict[str, Any]) -> pd.DataFrame:
    if extras.get("container"):
        data = blob_service().get_container_client(extras["container"]).download_blob(extras["input"]).readall()
        return pd.read_parquet(io.BytesIO(data))
    return pd.read_parquet(extras["input"])


def write_table(frame: pd.DataFrame, extras: dict[str, Any]) -> None:
    if extras.get("container"):
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        container = blob_service().get_container_client(extras["container"])
        container.upload_blob(extras["output"], buffer.getvalue(), overwrite=True)
    else:
        frame.to_parquet(extras["output"], index=False)


def embed(frame: pd.DataFrame, extras: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    from isco_assets.lib.embedding import SentenceTransformerEmbedder

    model = SentenceTransformerEmbedder(extras.get("model_path") or None)
    vectors = model.encode(frame["title_norm"].tolist())
    return frame.assign(vector=list(vectors)), {"model": model.model_id, "device": model.device,
                                                 "dimensions": int(vectors.shape[1])}


def cluster(frame: pd.DataFrame, extras: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    from isco_assets.lib.clustering import cluster_vectors

    vectors = np.stack(frame["vector"].to_numpy()).astype(np.float32)
    weights = frame["n_posts"].to_numpy() if "n_posts" in frame else None
    result = cluster_vectors(vectors, weights, int(extras.get("min_cluster_size", 0)),
                             int(extras.get("dimensions", 8)))
    labels = result.labels
    return frame.assign(cluster=labels), {"clusters": len(set(labels.tolist()) - {-1}),
                                          "noise": int((labels == -1).sum())}


STEPS = {"embed": embed, "cluster": cluster}


def main() -> None:
    loader, writer = channels()
    with open_dagster_pipes(context_loader=loader, message_writer=writer) as pipes:
        extras = pipes.extras
        step = STEPS[extras["step"]]
        start = time.perf_counter()
        frame = read_table(extras)
        pipes.log.info(f"{extras['step']}: {len(frame):,} rows from {extras['input']}")
        out, metadata = step(frame, extras)
        write_table(out, extras)
        pipes.report_asset_materialization(metadata={
            **metadata, "rows": len(out), "output": extras["output"],
            "seconds": round(time.perf_counter() - start, 3),
        })


if __name__ == "__main__":
    main()
