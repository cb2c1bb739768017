"""Where a heavy step's input and output tables live: a local folder or an Azure Blob container.

Both sides use these: the orchestrating process writes the input and reads the output, the step reads the
input and writes the output. Tables travel as Parquet; vectors as list columns.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd

if TYPE_CHECKING:
    from azure.storage.blob import BlobServiceClient, ContainerClient


class TableStore(Protocol):
    """Named tables; ``delete`` of a missing one is a no-op."""

    def read(self, name: str) -> pd.DataFrame: ...

    def write(self, name: str, frame: pd.DataFrame) -> None: ...

    def delete(self, name: str) -> None: ...


@dataclass(frozen=True)
class FolderTables:
    """Parquet files in a folder both processes can see (the subprocess backend)."""

    folder: Path

    def read(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.folder / name)

    def write(self, name: str, frame: pd.DataFrame) -> None:
        frame.to_parquet(self.folder / name, index=False)

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


@dataclass(frozen=True)
class BlobTables:
    """Parquet blobs in a container both sides can reach (Azure ML compute and the Dagster run)."""

    container: ContainerClient

    def read(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(io.BytesIO(self.container.download_blob(name).readall()))

    def write(self, name: str, frame: pd.DataFrame) -> None:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        self.container.upload_blob(name, buffer.getvalue(), overwrite=True)

    def delete(self, name: str) -> None:
        from azure.core.exceptions import ResourceNotFoundError

        with contextlib.suppress(ResourceNotFoundError):
            self.container.delete_blob(name, delete_snapshots="include")


def blob_service(connection_string: str = "", account_url: str = "") -> BlobServiceClient:
    """A client from a connection string (account key or SAS), else for ``account_url`` with
    ``DefaultAzureCredential`` (managed or workload identity, ``az login``)."""
    from azure.storage.blob import BlobServiceClient

    if connection_string:
        return BlobServiceClient.from_connection_string(connection_string)
    if not account_url:
        raise ValueError("Azure Blob needs a connection string or an account URL")
    from azure.identity import DefaultAzureCredential

    return BlobServiceClient(account_url, credential=DefaultAzureCredential())

