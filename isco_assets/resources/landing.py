"""The landing-zone resource: the local folder (default) or an Azure Blob Storage container.

The Azure backend connects through dagster-azure's ``AzureBlobStorageResource`` (account URL and a key,
SAS or ``DefaultAzureCredential``), or through a storage connection string, which is split into the
same two parts. ``landing_zone_resource`` builds it from the settings' ``landing`` section, the secrets as
``dagster.EnvVar``, so no secret is written in code or a file, or shown in the UI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import dagster as dg
from dagster_azure.blob import (
    AzureBlobStorageDefaultCredential,
    AzureBlobStorageKeyCredential,
    AzureBlobStorageResource,
    AzureBlobStorageSASTokenCredential,
)

from isco_assets.lib.common.blob_account import parse_connection_string
from isco_assets.lib.config import LandingSettings
from isco_assets.lib.ingest.landing import BlobLandingZone, LandingZone, LocalLandingZone


class LandingZoneResource(dg.ConfigurableResource):
    """Where partners deliver drops. ``backend``: ``local`` (the folder ``local_dir``) or ``azure_blob``
    (the container ``container``, reached through ``blob_storage`` or ``connection_string``)."""

    backend: Literal["local", "azure_blob"] = "local"
    local_dir: str = ""
    container: str = ""
    blob_storage: AzureBlobStorageResource | None = None
    connection_string: str = ""
    list_page_size: int = 5000
    max_new_drops_per_tick: int = 500

    def storage(self) -> AzureBlobStorageResource:
        """The account to use: ``blob_storage`` as configured, or one built from the connection string."""
        if self.blob_storage is not None:
            return self.blob_storage
        if not self.connection_string:
            raise ValueError("the azure_blob landing zone needs blob_storage (account URL and credential) or a "
                             "connection string (AZURE_STORAGE_CONNECTION_STRING)")
        parts = parse_connection_string(self.connection_string)
        credential = (AzureBlobStorageKeyCredential(key=parts.account_key) if parts.account_key
                      else AzureBlobStorageSASTokenCredential(token=parts.sas_token))
        return AzureBlobStorageResource(account_url=parts.account_url, credential=credential)

    @contextmanager
    def open(self) -> Iterator[LandingZone]:
        if self.backend == "local":
            if not self.local_dir:
                raise ValueError("the local landing zone needs local_dir")
            yield LocalLandingZone(Path(self.local_dir).expanduser().resolve())
            return
        if not self.container:
            raise ValueError("the azure_blob landing zone needs a container name")
        with self.storage().get_client() as service:
            yield BlobLandingZone(service.get_container_client(self.container), self.list_page_size)


def landing_zone_resource(settings: LandingSettings, local_dir: str) -> LandingZoneResource:
    """The landing zone ``settings`` ask for, with every secret as a ``dagster.EnvVar``.

    ``azure_blob``: the container ``settings.container``, reached with ``AZURE_STORAGE_CONNECTION_STRING``, or with
    ``settings.account_url`` and ``AZURE_STORAGE_KEY``, ``AZURE_STORAGE_SAS_TOKEN`` or, when neither is set,
    ``DefaultAzureCredential`` (managed identity, workload identity, ``az login``). ``local``: the folder
    ``local_dir``.
    """
    if settings.backend == "local":
        return LandingZoneResource(local_dir=local_dir)
    common = {"backend": "azure_blob", "container": settings.container}
    if os.environ.get("AZURE_STORAGE_CONNECTION_STRING"):
        return LandingZoneResource(**common, connection_string=dg.EnvVar("AZURE_STORAGE_CONNECTION_STRING"))
    if not settings.account_url:
        raise ValueError("the azure_blob landing zone needs AZURE_STORAGE_CONNECTION_STRING, or landing.account_url "
                         "(AZURE_STORAGE_ACCOUNT_URL) with a key, a SAS token or DefaultAzureCredential")
    if os.environ.get("AZURE_STORAGE_KEY"):
        credential = AzureBlobStorageKeyCredential(key=dg.EnvVar("AZURE_STORAGE_KEY"))
    elif os.environ.get("AZURE_STORAGE_SAS_TOKEN"):
        credential = AzureBlobStorageSASTokenCredential(token=dg.EnvVar("AZURE_STORAGE_SAS_TOKEN"))
    else:
        credential = AzureBlobStorageDefaultCredential()
    storage = AzureBlobStorageResource(account_url=settings.account_url, credential=credential)
    return LandingZoneResource(**common, blob_storage=storage)
