"""Where the heavy steps (embedding titles, clustering vectors) run, chosen by configuration.

- ``in_process`` (default): the lib functions in the run's own process, as always;
- ``subprocess``: ``python -m isco_assets.pipes.heavy_step`` through ``dagster.PipesSubprocessClient``, tables
  as Parquet in a temporary folder (a separate process with its own memory, same machine);
- ``azure_ml``: the same program as an Azure ML command job through dagster-azure's ``PipesAzureMLClient``
  (GPU for embedding, many cores for clustering), context, messages and tables through a blob container.

``heavy_steps_resource`` builds it from the settings' ``heavy_steps`` section (``ISCO_HEAVY_STEPS`` and, for Azure
ML, the variables of ``lib/config.py`` ENVIRONMENT); the storage connection string, a secret, is the
``dagster.EnvVar`` AZURE_STORAGE_CONNECTION_STRING.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import dagster as dg
import numpy as np
import pandas as pd
from dagster_azure.pipes import (
    PipesAzureBlobStorageContextInjector,
    PipesAzureBlobStorageMessageReader,
    PipesAzureMLClient,
)

from isco_assets.lib.config import ENVIRONMENT, HeavyStepsSettings
from isco_assets.lib.discover.clustering import Clustering, cluster_vectors
from isco_assets.lib.embed.embedding import Embedder, stack_vectors
from isco_assets.pipes.tables import BlobTables, FolderTables, TableStore, blob_service
from isco_assets.resources.services import EmbedderResource

if TYPE_CHECKING:
    from azure.ai.ml.entities import Command
    from azure.storage.blob import BlobServiceClient

PROGRAM = "isco_assets.pipes.heavy_step"
Context = dg.AssetExecutionContext | dg.OpExecutionContext

REQUIRED_FOR_AZURE_ML = ("subscription_id", "resource_group", "workspace", "compute", "environment", "container")


class PrecomputedEmbedder:
    """Vectors a heavy step computed elsewhere, handed to ``EmbeddingCache.embed`` text by text."""

    def __init__(self, model_id: str, device: str, texts: Sequence[str], vectors: np.ndarray):
        self.model_id = model_id
        self.device = device
        self._rows = {text: i for i, text in enumerate(texts)}
        self._vectors = vectors

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._vectors[[self._rows[t] for t in texts]]


def run_heavy_step(
    context: Context, client: dg.PipesClient, store: TableStore, table: pd.DataFrame, extras: dict[str, Any],
    **launch: Any,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Write ``table`` as the step's input, run the step through ``client`` (``launch``: the client's own
    arguments, e.g. ``command``), and return its output table and the facts it reported. Both tables are
    removed afterwards."""
    store.write(extras["input"], table)
    try:
        invocation = client.run(context=context, extras=extras, **launch)
        output = store.read(extras["output"])
    finally:
        for name in (extras["input"], extras["output"]):
            store.delete(name)
    messages = invocation.get_custom_messages()
    if not messages:
        raise RuntimeError(f"heavy step {extras['step']} wrote its output but its report never arrived")
    context.log.info(f"heavy step {extras['step']}: {messages[-1]}")
    return output, messages[-1]


class HeavyStepsResource(dg.ConfigurableResource):
    """Runs embedding and clustering in process, in a Pipes subprocess, or as Azure ML jobs (``backend``).

    Azure ML: the job runs ``python -m isco_assets.pipes.heavy_step`` on ``compute`` in ``environment`` (an
    image with this project installed) of ``workspace``; ``container`` carries Pipes context, messages and the
    tables, reached with ``connection_string`` or ``account_url`` and ``DefaultAzureCredential``. The job
    reaches the container by its managed identity (``identity_client_id`` for a user-assigned one).

    An asset that calls it returns ``MaterializeResult``/``Output`` rather than a bare value: Dagster requires a
    typed event stream from a step that opened a Pipes session.
    """

    backend: Literal["in_process", "subprocess", "azure_ml"] = "in_process"
    subscription_id: str = ""
    resource_group: str = ""
    workspace: str = ""
    compute: str = ""
    environment: str = ""
    identity_client_id: str = ""
    container: str = ""
    connection_string: str = ""
    account_url: str = ""
    poll_interval_seconds: float = 10.0

    def encoder(self, context: Context, embedder: EmbedderResource, texts: Sequence[str]) -> Embedder:
        """What fills the embedding cache: in process the model itself (encoding chunk by chunk on demand);
        elsewhere the vectors of ``texts`` (the titles the cache lacks), computed in one heavy-step run."""
        model = embedder.get_embedder()
        if self.backend == "in_process":
            return model
        if not texts:
            return PrecomputedEmbedder(model.model_id, self.backend, [], np.zeros((0, 0), np.float32))
        config = {name: getattr(embedder, name) for name in type(embedder).model_fields}
        output, facts = self._run(context, "embed", pd.DataFrame({"title_norm": list(texts)}), {"embedder": config})
        return PrecomputedEmbedder(model.model_id, f"{self.backend}:{facts['device']}", texts,
                                   stack_vectors(output["vector"]))

    def cluster(self, context: Context, vectors: np.ndarray, weights: np.ndarray, **params: Any) -> Clustering:
        """``lib.clustering.cluster_vectors(vectors, weights, **params)``, wherever the backend runs it."""
        if self.backend == "in_process":
            return cluster_vectors(vectors, weights, **params)
        table = pd.DataFrame({"vector": list(vectors), "n_posts": np.asarray(weights, dtype=np.float64)})
        output, facts = self._run(context, "cluster", table, {"params": params})
        return Clustering(labels=output["label"].to_numpy(), reduced=stack_vectors(output["reduced"]),
                          min_cluster_size=int(facts["min_cluster_size"]))

    def _run(
        self, context: Context, step: str, table: pd.DataFrame, extras: dict[str, Any]
    ) -> tuple[pd.DataFrame, dict[str, Any]]:
        if self.backend == "subprocess":
            with tempfile.TemporaryDirectory(prefix="isco-heavy-step-") as folder:
                return run_heavy_step(
                    context, dg.PipesSubprocessClient(), FolderTables(Path(folder)), table,
                    {**extras, "step": step, "folder": folder, "input": "input.parquet", "output": "output.parquet"},
                    command=[sys.executable, "-m", PROGRAM],
                )
        self.check_azure_ml()
        prefix = f"heavy-steps/{context.run_id}/{step}-{uuid.uuid4().hex[:8]}"
        with self.open_blob_service() as service:
            return run_heavy_step(
                context, self.azure_ml_client(service), BlobTables(service.get_container_client(self.container)),
                table, {**extras, "step": step, "container": self.container, "input": f"{prefix}/input.parquet",
                        "output": f"{prefix}/output.parquet"},
                command=self.azure_ml_command(step, service),
            )

    def check_azure_ml(self) -> None:
        variables = {key.removeprefix("heavy_steps."): name for name, keys in ENVIRONMENT.items() for key in keys
                     if key.startswith("heavy_steps.")}
        missing = [f"heavy_steps.{name} ({variables[name]})" for name in REQUIRED_FOR_AZURE_ML
                   if not getattr(self, name)]
        if not (self.connection_string or self.account_url):
            missing.append("heavy_steps.account_url (AZURE_STORAGE_ACCOUNT_URL) or AZURE_STORAGE_CONNECTION_STRING")
        if missing:
            raise ValueError(f"heavy steps on Azure ML need {', '.join(missing)}")

    @contextmanager
    def open_blob_service(self) -> Iterator[BlobServiceClient]:
        with blob_service(self.connection_string, self.account_url) as service:
            yield service

    def blob_channel(
        self, service: BlobServiceClient
    ) -> tuple[PipesAzureBlobStorageContextInjector, PipesAzureBlobStorageMessageReader]:
        """Pipes context and messages through ``container``: what the Azure ML job reads and writes."""
        return (PipesAzureBlobStorageContextInjector(container=self.container, client=service),
                PipesAzureBlobStorageMessageReader(container=self.container, client=service,
                                                   interval=self.poll_interval_seconds))

    def azure_ml_client(self, service: BlobServiceClient) -> PipesAzureMLClient:
        from azure.ai.ml import MLClient
        from azure.identity import DefaultAzureCredential

        injector, reader = self.blob_channel(service)
        workspace = MLClient(DefaultAzureCredential(), self.subscription_id, self.resource_group, self.workspace)
        return PipesAzureMLClient(client=workspace, context_injector=injector, message_reader=reader,
                                  poll_interval_seconds=self.poll_interval_seconds)

    def azure_ml_command(self, step: str, service: BlobServiceClient) -> Command:
        """The command job: the heavy-step program on ``compute``, reaching the container by managed identity
        (no secret is written into the job)."""
        from azure.ai.ml import command

        env = {"AZURE_STORAGE_ACCOUNT_URL": self.account_url or service.url.split("?")[0].rstrip("/")}
        if self.identity_client_id:
            env["AZURE_CLIENT_ID"] = self.identity_client_id
        return command(command=f"python -m {PROGRAM}", compute=self.compute, environment=self.environment,
                       environment_variables=env, experiment_name="isco-heavy-steps", display_name=f"isco-{step}")


def heavy_steps_resource(settings: HeavyStepsSettings) -> HeavyStepsResource:
    """Where ``settings.backend`` runs the heavy steps; for Azure ML, with the workspace and channel it names."""
    if settings.backend != "azure_ml":
        return HeavyStepsResource(backend=settings.backend)
    secret = ({"connection_string": dg.EnvVar("AZURE_STORAGE_CONNECTION_STRING")}
              if os.environ.get("AZURE_STORAGE_CONNECTION_STRING") else {})
    return HeavyStepsResource(**dataclasses.asdict(settings), **secret)
