"""Real `mlflow server`s on loopback for the end-to-end tracking tests.

Each backend (the embedded SQLite store, and PostgreSQL in a throwaway cluster built from
Debian's server binaries) starts once per module and is torn down even when a test fails.
Artifacts are proxied (`--artifacts-destination`), so training clients only ever talk HTTP.
"""

import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from tracking.browser import MISSING_TOOL, find_chromium
from tracking.loopback import DIRECT

from compose import ROOT, TINY_RUN

STARTUP_TIMEOUT_S = 60
# A dead server must fail a training run within seconds, not MLflow's ~4 minutes of retries.
FAIL_FAST_HTTP = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2", "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}


@dataclass(frozen=True)
class TrackingServer:
    backend: str
    url: str
    artifacts_dir: Path
    log: Path

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@dataclass(frozen=True)
class Sweep:
    """A finished `train.py -m model=gan,vae` against a server, and where it wrote locally."""

    server: TrackingServer
    experiment_name: str
    root: Path
    output: str


def free_port() -> int:
    """A port free right now on 127.0.0.1 (the OS picks it, so parallel sessions never clash)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without a tracking URI or project root leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "GENLAB_ROOT")}
    return env | extra


def postgres_bindir() -> Path:
    """Debian keeps initdb and pg_ctl in /usr/lib/postgresql/<major>/bin, off the PATH."""
    debian = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()]
    if debian:
        return max(debian, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0))
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl", path=str(Path(initdb).parent)):
        return Path(initdb).parent
    pytest.fail(MISSING_TOOL.format(what="PostgreSQL's initdb and pg_ctl", package="postgresql"))


def as_db_owner(cmd: list[str], owner: str | None) -> list[str]:
    """initdb and postgres refuse to run as root: run them as `owner` then."""
    return ["runuser", "-u", owner, "--", *cmd] if owner else cmd


def run_checked(cmd: list[str], what: str, log: Path | None = None, **kw: object) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
        pytest.fail(f"{what} failed ({result.returncode}): {result.stderr[-2000:]}\n{tail}")


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """A private PostgreSQL cluster on 127.0.0.1 with database `mlflow`; yields its URI.

    It lives in the system temp dir, not pytest's (0700, root-only), because as root the
    server runs as the `postgres` user, who must be able to reach its data directory.
    """
    bindir = postgres_bindir()
    owner = None
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.fail("runuser (util-linux) is needed to run PostgreSQL as non-root")
        owner = "postgres"
        try:
            pwd.getpwnam(owner)
        except KeyError:
            pytest.fail("user `postgres` is missing; `.ci/run` installs the postgresql package")
    base = Path(tempfile.mkdtemp(prefix="genlab-pg-"))
    data, log = base / "data", base / "postgres.log"
    password = secrets.token_hex(12)
    (base / "pwfile").write_text(password + "\n")
    if owner:
        for path in (base, base / "pwfile"):
            shutil.chown(path, owner, owner)
    port = free_port()
    ctl = [str(bindir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        run_checked(
            as_db_owner(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    f"--pwfile={base / 'pwfile'}",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--no-instructions",
                ],
                owner,
            ),
            "initdb",
            cwd=base,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base}"
        started = True
        run_checked(
            as_db_owner([*ctl, "-l", str(log), "-w", "-t", "60", "-o", options, "start"], owner),
            "pg_ctl start",
            log,
            cwd=base,
        )
        admin = psycopg2.connect(
            host="127.0.0.1", port=port, user="postgres", password=password, dbname="postgres"
        )
        admin.autocommit = True  # CREATE DATABASE refuses to run inside a transaction
        try:
            with admin.cursor() as cur:
                cur.execute("CREATE ROLE mlflow LOGIN PASSWORD %s", (password,))
                cur.execute("CREATE DATABASE mlflow OWNER mlflow")
        finally:
            admin.close()
        # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3; the venv has psycopg2.
        yield f"postgresql+psycopg2://mlflow:{password}@127.0.0.1:{port}/mlflow"
    finally:
        if started:
            subprocess.run(
                as_db_owner([*ctl, "-m", "fast", "-w", "stop"], owner),
                capture_output=True,
                cwd=base,
                timeout=60,
            )
        shutil.rmtree(base, ignore_errors=True)


def healthy(url: str) -> bool:
    try:
        with DIRECT.open(f"{url}/health", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the server's own process group (CLI + uvicorn), SIGKILL what lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


@contextlib.contextmanager
def mlflow_server(backend: str, backend_store_uri: str, workdir: Path) -> Iterator[TrackingServer]:
    """`mlflow server` on 127.0.0.1 with proxied artifacts, ready once `/health` answers."""
    port = free_port()
    server = TrackingServer(
        backend=backend,
        url=f"http://127.0.0.1:{port}",
        artifacts_dir=workdir / "artifacts",
        log=workdir / "server.log",
    )
    cmd = [
        *(sys.executable, "-m", "mlflow", "server"),
        *("--backend-store-uri", backend_store_uri),
        *("--artifacts-destination", str(server.artifacts_dir)),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
    ]
    # No job-execution workers (huey): 2 processes instead of ~13, and a clean SIGTERM.
    env = clean_env(MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    with server.log.open("w") as log:
        proc = subprocess.Popen(
            cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not healthy(server.url):
            if proc.poll() is not None:
                pytest.fail(f"mlflow server ({backend}) exited:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(f"mlflow server ({backend}) not healthy in 60 s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        stop_group(proc)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def tracking_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TrackingServer]:
    """One server per backend and module; pytest finishes one backend before the next."""
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"server-{backend}")
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            uri = f"sqlite:///{workdir}/mlflow.db"
        else:
            uri = stack.enter_context(postgres_cluster())
        yield stack.enter_context(mlflow_server(backend, uri, workdir))


@pytest.fixture(scope="module")
def sweep(
    tracking_server: TrackingServer, tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Sweep:
    """`train.py -m model=gan,vae` with tiny runs, pointed at the server by the environment."""
    root = tmp_path_factory.mktemp(f"sweep-{tracking_server.backend}")
    name = f"e2e-{tracking_server.backend}"
    env = clean_env(MLFLOW_TRACKING_URI=tracking_server.url, **FAIL_FAST_HTTP)
    cmd = [
        *(sys.executable, str(ROOT / "pipelines" / "train.py"), "-m"),
        *("model=gan,vae", "seed=1", *TINY_RUN, f"experiment_name={name}"),
        *(f"paths.root_dir={root}", f"paths.data_dir={data_dir}"),
        f"hydra.sweep.dir={root}/multirun",
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(
            f"sweep against {tracking_server.url} failed:\n{result.stderr[-3000:]}\n"
            f"server log:\n{tracking_server.log_tail()}"
        )
    return Sweep(tracking_server, name, root, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def chromium() -> str:
    return find_chromium()
