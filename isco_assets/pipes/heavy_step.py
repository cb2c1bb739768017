"""A heavy step of the pipeline (embedding titles, clustering vectors) as a Dagster Pipes program.

``python -m isco_assets.pipes.heavy_step``, started by the ``heavy_steps`` resource (``resources/compute.py``):

- through ``dagster.PipesSubprocessClient`` next to the run (context and messages through temporary files; the
  tables in a temporary folder, extras ``folder``);
- on Azure ML compute through dagster-azure's ``PipesAzureMLClient`` (context and messages through a blob
  container; the tables are blobs of ``extras["container"]``). The program sees a ``bucket`` in the Pipes
  parameters and connects with ``AZURE_STORAGE_CONNECTION_STRING`` when set, else to
  ``AZURE_STORAGE_ACCOUNT_URL`` with ``DefaultAzureCredential`` (the compute's managed identity).

Extras: ``step``, ``input`` and ``output`` (table names in the folder or container), and per step:

- ``embed``: ``title_norm`` -> ``vector`` (row for row), with ``embedder``: the ``EmbedderResource`` config, so
  the vectors come from the same model as in the orchestrating process;
- ``cluster``: ``vector`` and ``n_posts`` -> ``label`` and ``reduced`` (row for row), with ``params``: the
  keyword arguments of ``lib.clustering.cluster_vectors``.

Row counts, timings and the step's facts (device, min_cluster_size) go back as one custom Pipes message.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from dagster_pipes import (
    PipesAzureBlobStorageContextLoader,
    PipesAzureBlobStorageMessageWriter,
    PipesContextLoader,
    PipesDefaultContextLoader,
    PipesDefaultMessageWriter,
    PipesEnvVarParamsLoader,
    PipesMessageWriter,
    open_dagster_pipes,
)

from isco_assets.pipes.tables import BlobTables, FolderTables, TableStore, blob_service

Step = Callable[[pd.DataFrame, dict[str, Any]], tuple[pd.DataFrame, dict[str, Any]]]


def embed(frame: pd.DataFrame, extras: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    from isco_assets.lib.embed.embedding import make_embedder

    # the fields of the launching process's EmbedderResource
    config = extras.get("embedder", {})
    model = make_embedder(config.get("model_path") or None, device=config.get("device") or None,
                          batch_size=int(config.get("batch_size", 256)))
    vectors = model.encode(frame["title_norm"].tolist())
    return pd.DataFrame({"vector": list(vectors)}), {
        "model": model.model_id, "device": model.device, "dimensions": int(vectors.shape[1]),
    }


def cluster(frame: pd.DataFrame, extras: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    from isco_assets.lib.discover.clustering import NOISE, cluster_vectors
    from isco_assets.lib.embed.embedding import stack_vectors

    weights = frame["n_posts"].to_numpy(dtype=np.float64)
    result = cluster_vectors(stack_vectors(frame["vector"]), weights, **extras.get("params", {}))
    labels = result.labels
    return pd.DataFrame({"label": labels, "reduced": list(result.reduced)}), {
        "min_cluster_size": int(result.min_cluster_size),
        "clusters": len(set(labels.tolist()) - {NOISE}), "noise": int((labels == NOISE).sum()),
    }


STEPS: dict[str, Step] = {"embed": embed, "cluster": cluster}


def _blob_service() -> Any:
    return blob_service(os.environ.get("AZURE_STORAGE_CONNECTION_STRING", ""),
                        os.environ.get("AZURE_STORAGE_ACCOUNT_URL", ""))


def channels() -> tuple[PipesContextLoader, PipesMessageWriter]:
    """Blob-based context loader and message writer when Dagster sent blob parameters, else file-based ones."""
    if "bucket" in PipesEnvVarParamsLoader().load_context_params():
        client = _blob_service()
        return PipesAzureBlobStorageContextLoader(client), PipesAzureBlobStorageMessageWriter(client, interval=1)
    return PipesDefaultContextLoader(), PipesDefaultMessageWriter()


def tables(extras: dict[str, Any]) -> TableStore:
    if extras.get("container"):
        return BlobTables(_blob_service().get_container_client(extras["container"]))
    return FolderTables(Path(extras.get("folder", ".")))


def main() -> None:
    loader, writer = channels()
    with open_dagster_pipes(context_loader=loader, message_writer=writer) as pipes:
        extras = dict(pipes.extras)
        store = tables(extras)
        start = time.perf_counter()
        frame = store.read(extras["input"])
        pipes.log.info(f"{extras['step']}: {len(frame):,} rows from {extras['input']}")
        out, facts = STEPS[extras["step"]](frame, extras)
        store.write(extras["output"], out)
        pipes.report_custom_message({**facts, "rows": len(out), "seconds": round(time.perf_counter() - start, 3)})


if __name__ == "__main__":
    main()
