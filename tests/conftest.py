"""Shared fixtures: an isolated data directory and Dagster home per test, the shared reference data, Azurite."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from dagster_azure.blob import AzureBlobStorageKeyCredential, AzureBlobStorageResource

from isco_assets.resources.landing import LandingZoneResource

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def shared_derived_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One ISCO_CACHE_DIR for the session: the default index's normalized labels and lexical matrix are pure
    functions of the shipped files, so every test's fresh data folder shares them instead of rebuilding them."""
    folder = tmp_path_factory.mktemp("derived-cache")
    before = os.environ.get("ISCO_CACHE_DIR")
    os.environ["ISCO_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("ISCO_CACHE_DIR", None)
    else:
        os.environ["ISCO_CACHE_DIR"] = before


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ISCO_DATA_DIR (and DAGSTER_HOME inside it) for one test."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("ISCO_DATA_DIR", str(root))
    home = root / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("ISCO_CONFIG", raising=False)
    return root


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared reference data not found at {SHARED_DATA}")
    return SHARED_DATA


# --- Azurite: the Azure Blob Storage emulator, on 127.0.0.1 ---------------------------------------------------------

AZURITE_BIN = PROJECT_ROOT / ".azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's well-known development account (public, documented by Microsoft; works only against the emulator)
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Azurite:
    blob_url: str  # account URL: http://127.0.0.1:<port>/devstoreaccount1

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
                f"BlobEndpoint={self.blob_url};")

    def new_container(self) -> str:
        from azure.storage.blob import BlobServiceClient

        name = f"drops-{uuid.uuid4().hex[:12]}"
        with BlobServiceClient(self.blob_url, credential=AZURITE_KEY) as service:
            service.create_container(name)
        return name


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """Azurite's blob service on a free port with a temporary location, stopped after the session."""
    if not AZURITE_BIN.exists():
        message = f"Azurite not installed at {AZURITE_BIN}: run `make azurite`"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a missing emulator must not pass as skipped tests
        pytest.skip(message)
    location = tmp_path_factory.mktemp("azurite")
    port = free_port()
    log = (location / "azurite.log").open("wb")
    proc = subprocess.Popen(
        [str(AZURITE_BIN), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(location),
         "--loose", "--skipApiVersionCheck", "--disableTelemetry", "--silent"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Azurite exited with {proc.returncode}: {(location / 'azurite.log').read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                pytest.fail("Azurite did not listen within 30 s")
            time.sleep(0.2)
        yield Azurite(f"http://127.0.0.1:{port}/{AZURITE_ACCOUNT}")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(params=["local", "azure_blob"])
def landing(request: pytest.FixtureRequest, data_dir: Path) -> LandingZoneResource:
    """The landing zone on each backend: a local folder, and a fresh container in Azurite."""
    if request.param == "local":
        return LandingZoneResource(local_dir=str(data_dir / "landing"))
    azurite = request.getfixturevalue("azurite")
    return LandingZoneResource(
        backend="azure_blob", container=azurite.new_container(),
        blob_storage=AzureBlobStorageResource(
            account_url=azurite.blob_url, credential=AzureBlobStorageKeyCredential(key=AZURITE_KEY)
        ),
    )


def fill_workbook(export: Path, fill: dict[str, list[dict[str, object]]]) -> bytes:
    """The exported review workbook with the experts' cells filled: per sheet, one {column: value} per row from
    row 2."""
    book = openpyxl.load_workbook(export)
    for sheet, rows in fill.items():
        header = {c.value: c.column for c in book[sheet][1]}
        for offset, cells in enumerate(rows):
            for column, value in cells.items():
                book[sheet].cell(row=2 + offset, column=header[column], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
