"""The production instance's PostgreSQL storage, against a real PostgreSQL server on 127.0.0.1.

The server is the PostgreSQL 16 build that the PyPI package ``pgserver`` ships (binaries only; this test starts
``initdb`` and ``postgres`` itself, on a free port, with password authentication). Dagster gets the ``storage``
section of deploy/dagster.postgres-azure.yaml with the host, database, user and password from the
``DAGSTER_PG_*`` variables, as in production, and two substitutions: the server's port, and ``sslmode: disable``
instead of ``require`` (that build has no TLS; Azure Database for PostgreSQL requires it).
"""

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psycopg2
import pytest
import yaml
from conftest import PROJECT_ROOT, free_port

pytestmark = pytest.mark.slow

DEPLOY = PROJECT_ROOT / "deploy" / "dagster.postgres-azure.yaml"


@dataclass(frozen=True)
class Postgres:
    port: int
    user: str
    password: str

    def connect(self, dbname: str = "postgres"):
        return psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                                dbname=dbname)


def _server_binaries() -> Path:
    spec = importlib.util.find_spec("pgserver")  # located, not imported: only its binaries are used
    if spec is None or not spec.submodule_search_locations:
        message = "pgserver (in the dev extra) is not installed: it ships the PostgreSQL binaries"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs the dev extra: a missing server must not pass as a skipped test
        pytest.skip(message)
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """initdb + postgres on 127.0.0.1 in a temporary folder; as the unprivileged ``nobody`` when run as root,
    since PostgreSQL refuses to run as root, from a copy of the binaries inside that folder."""
    binaries = _server_binaries()
    folder = Path(tempfile.mkdtemp(prefix="isco-pg-"))  # not under pytest's tmp dir, which only root may enter
    as_user = {}
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        as_user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        # the venv may sit where nobody cannot go (a clone in a private temporary folder): run a copy, laid out
        # as in site-packages, where the binaries find their bundled libraries ($ORIGIN/../../../pgserver.libs)
        site = binaries.parents[2]
        for part in ("pgserver/pginstall/bin", "pgserver/pginstall/lib", "pgserver/pginstall/share", "pgserver.libs"):
            shutil.copytree(site / part, folder / "site" / part)
        binaries = folder / "site" / "pgserver" / "pginstall" / "bin"
    server = Postgres(port=free_port(), user="isco", password="pg-test-password")
    password_file = folder / "password"
    password_file.write_text(server.password)
    if as_user:
        os.chown(password_file, as_user["user"], as_user["group"])
    data = folder / "data"
    subprocess.run([str(binaries / "initdb"), "-D", str(data), "-U", server.user, f"--pwfile={password_file}",
                    "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True, **as_user)
    log = (folder / "postgres.log").open("wb")
    proc = subprocess.Popen(
        [str(binaries / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(server.port), "-k", str(folder),
         "-c", "fsync=off"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **as_user,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"postgres exited with {proc.returncode}: {(folder / 'postgres.log').read_text()}")
            try:
                server.connect().close()
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    pytest.fail("postgres did not accept connections within 30 s")
                time.sleep(0.2)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGINT)  # fast shutdown
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


@dg.asset
def titles() -> list[str]:
    return ["prompt engineer", "drone pilot"]


@dg.asset
def title_count(context: dg.AssetExecutionContext, titles: list[str]) -> dg.MaterializeResult:
    context.log.info(f"counted {len(titles)} titles")
    return dg.MaterializeResult(metadata={"titles": len(titles)})


def test_runs_and_events_are_stored_in_postgres(postgres: Postgres, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    admin = postgres.connect()
    admin.autocommit = True  # CREATE DATABASE runs outside a transaction
    admin.cursor().execute("CREATE DATABASE isco_dagster")
    admin.close()
    for name, value in {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_DB": "isco_dagster",
                        "DAGSTER_PG_USERNAME": postgres.user, "DAGSTER_PG_PASSWORD": postgres.password}.items():
        monkeypatch.setenv(name, value)
    storage = yaml.safe_load(DEPLOY.read_text())["storage"]
    database = storage["postgres"]["postgres_db"]
    assert database["params"] == {"sslmode": "require"} and database["password"] == {"env": "DAGSTER_PG_PASSWORD"}
    database.update(port=postgres.port, params={"sslmode": "disable"})
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump({"storage": storage, "telemetry": {"enabled": False}}))

    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        result = dg.materialize([titles, title_count], instance=instance)
        assert result.success
        run_id = result.run_id

    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:  # a second process would see the same
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        logs = instance.all_logs(run_id)
        assert "counted 2 titles" in [entry.user_message for entry in logs]
        assert {e.dagster_event_type for e in logs if e.dagster_event} >= {
            dg.DagsterEventType.RUN_SUCCESS, dg.DagsterEventType.ASSET_MATERIALIZATION}
        event = instance.get_latest_materialization_event(dg.AssetKey("title_count"))
        assert event is not None and event.asset_materialization.metadata["titles"].value == 2

    with postgres.connect("isco_dagster") as connection, connection.cursor() as cursor:
        cursor.execute("SELECT status FROM runs WHERE run_id = %s", (run_id,))
        assert cursor.fetchall() == [("SUCCESS",)]
        cursor.execute("SELECT count(*) FROM event_logs WHERE run_id = %s", (run_id,))
        assert cursor.fetchone()[0] >= 10
