"""Azure configuration: the landing zone's credentials (connection string, key, SAS, DefaultAzureCredential)
against Azurite, the environment wiring, and the production dagster.yaml variants in deploy/."""

from __future__ import annotations

import importlib
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from azure.identity import DefaultAzureCredential
from azure.storage.blob import AccountSasPermissions, ResourceTypes, generate_account_sas
from conftest import AZURITE_ACCOUNT, AZURITE_KEY, PROJECT_ROOT
from dagster._config import process_config
from dagster._core.instance.ref import InstanceRef
from dagster_azure.blob import (
    AzureBlobStorageDefaultCredential,
    AzureBlobStorageKeyCredential,
    AzureBlobStorageResource,
    AzureBlobStorageSASTokenCredential,
)

from isco_assets.definitions import build_definitions
from isco_assets.lib.common.blob_account import parse_connection_string
from isco_assets.lib.ingest.landing import BlobLandingZone, LocalLandingZone
from isco_assets.resources.environment import config_from_env
from isco_assets.resources.landing import LandingZoneResource, landing_zone_resource


def _names(resource: LandingZoneResource) -> list[str]:
    with resource.open() as zone:
        return [f.name for f in zone.list_files("generic")]


def _seed(resource: LandingZoneResource) -> None:
    with resource.open() as zone:
        zone.write("generic/a.csv", b"job_title\nNurse\n")


def test_connection_string_key_and_sas_all_reach_the_container(azurite) -> None:
    container = azurite.new_container()
    by_string = LandingZoneResource(backend="azure_blob", container=container,
                                    connection_string=azurite.connection_string)
    _seed(by_string)
    assert _names(by_string) == ["a.csv"]
    by_key = LandingZoneResource(backend="azure_blob", container=container, blob_storage=AzureBlobStorageResource(
        account_url=azurite.blob_url, credential=AzureBlobStorageKeyCredential(key=AZURITE_KEY)))
    assert _names(by_key) == ["a.csv"]
    sas = generate_account_sas(AZURITE_ACCOUNT, AZURITE_KEY, ResourceTypes(container=True, object=True),
                               AccountSasPermissions(read=True, list=True),
                               expiry=datetime.now(UTC) + timedelta(hours=1))
    by_sas = LandingZoneResource(backend="azure_blob", container=container, blob_storage=AzureBlobStorageResource(
        account_url=azurite.blob_url, credential=AzureBlobStorageSASTokenCredential(token=sas)))
    assert _names(by_sas) == ["a.csv"]
    sas_string = f"BlobEndpoint={azurite.blob_url};SharedAccessSignature={sas}"
    assert _names(LandingZoneResource(backend="azure_blob", container=container, connection_string=sas_string)) == [
        "a.csv"]


def test_environment_selects_the_backend_with_env_vars(azurite, data_dir: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    local = landing_zone_resource(config_from_env("").landing, str(data_dir / "landing"))
    with local.open() as zone:
        assert isinstance(zone, LocalLandingZone)

    container = azurite.new_container()
    monkeypatch.setenv("ISCO_LANDING_BACKEND", "azure_blob")
    monkeypatch.setenv("ISCO_LANDING_CONTAINER", container)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    defs = build_definitions()
    dg.Definitions.validate_loadable(defs)
    with dg.build_resources({"landing_zone": defs.resources["landing_zone"]}) as resources:
        _seed(resources.landing_zone)
        with resources.landing_zone.open() as zone:
            assert isinstance(zone, BlobLandingZone) and [f.name for f in zone.list_files("generic")] == ["a.csv"]

    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_URL", azurite.blob_url)
    monkeypatch.setenv("AZURE_STORAGE_KEY", AZURITE_KEY)
    with dg.build_resources({"landing_zone": landing_zone_resource(config_from_env("").landing, "")}) as resources:
        assert _names(resources.landing_zone) == ["a.csv"]

    monkeypatch.delenv("AZURE_STORAGE_KEY")  # no secret at all: DefaultAzureCredential (managed identity)
    storage = landing_zone_resource(config_from_env("").landing, "").blob_storage
    assert isinstance(storage.credential, AzureBlobStorageDefaultCredential)
    with dg.build_resources({"storage": storage}) as resources:
        assert isinstance(resources.storage._raw_credential(), DefaultAzureCredential)


def test_connection_strings_are_split_into_url_and_credential() -> None:
    account = parse_connection_string(
        "DefaultEndpointsProtocol=https;AccountName=isco;AccountKey=abc/def==;EndpointSuffix=core.windows.net")
    assert (account.account_url, account.account_key, account.sas_token) == (
        "https://isco.blob.core.windows.net", "abc/def==", None)
    account = parse_connection_string("BlobEndpoint=https://isco.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=x")
    assert (account.account_url, account.sas_token) == ("https://isco.blob.core.windows.net", "sv=1&sig=x")
    for bad in ("UseDevelopmentStorage=true", "AccountName=isco", "just text"):
        with pytest.raises(ValueError, match="connection string"):
            parse_connection_string(bad)


DEPLOY_ENV = ["DAGSTER_PG_HOST", "DAGSTER_PG_DB", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD",
              "DAGSTER_LOGS_STORAGE_ACCOUNT", "DAGSTER_LOGS_CONTAINER", "AZURE_SUBSCRIPTION_ID",
              "DAGSTER_ACA_RESOURCE_GROUP", "DAGSTER_ACA_REGION", "DAGSTER_ACA_ENVIRONMENT_ID",
              "DAGSTER_ACA_IDENTITY_ID", "DAGSTER_K8S_NAMESPACE"]


@pytest.mark.parametrize(("file", "launcher"), [("dagster.postgres-azure.yaml", "AcaRunLauncher"),
                                                 ("dagster.k8s.yaml", "K8sRunLauncher")])
def test_production_instance_configs_load(file: str, launcher: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name in DEPLOY_ENV:
        monkeypatch.setenv(name, f"test-{name.lower()}")
    shutil.copy(PROJECT_ROOT / "deploy" / file, tmp_path / "dagster.yaml")
    ref = InstanceRef.from_dir(str(tmp_path))  # the instance schema, as dagster reads DAGSTER_HOME
    parts = {"storage": ref.storage_data, "compute_logs": ref.compute_logs_data, "run_launcher": ref.run_launcher_data,
             "run_coordinator": ref.run_coordinator_data}
    assert [parts[k].class_name for k in parts] == [
        "DagsterPostgresStorage", "AzureBlobComputeLogManager", launcher, "QueuedRunCoordinator"]
    values = {}
    for part, data in parts.items():  # each class's own schema, with the environment filled in
        klass = getattr(importlib.import_module(data.module_name), data.class_name)
        processed = process_config(klass.config_type(), data.config_dict)
        assert processed.success, (data.class_name, processed.errors)
        values[part] = processed.value
        if data.class_name in ("AzureBlobComputeLogManager", "AcaRunLauncher"):  # built without connecting
            assert klass.from_config_value(data, processed.value) is not None
    assert values["storage"]["postgres_db"]["password"] == "test-dagster_pg_password"
    assert ref.settings["run_retries"]["retry_on_asset_or_op_failure"] is False
