"""Open the MLflow store and the run's experiment before training, once, safely in parallel.

A fresh SQLite store creates its tables (an alembic migration) on first use; two sweep jobs
started at once both migrate and one fails. Creating the experiment has the same race. Under
torchrun or srun every rank even opens the store at the same moment. A file lock beside the
database serialises this first contact; later writes are SQLite's own.
Done before `fit`, it also makes an unreachable tracking URI fail before any training.
"""

import base64
import os
import urllib.parse
import urllib.request
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from filelock import FileLock

from genlab.tracking.redact import redact_value
from genlab.utils.errors import GenlabError, first_line
from genlab.utils.files import creation_blocker


def _sqlite_path(tracking_uri: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(tracking_uri[len(prefix) :]) if tracking_uri.startswith(prefix) else None


def store_lock(tracking_uri: str) -> AbstractContextManager:
    path = _sqlite_path(tracking_uri)
    if path is None:
        return nullcontext()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise GenlabError(f"cannot create the MLflow store's folder {path.parent}: {err}") from err
    return FileLock(f"{path}.lock", timeout=120)


SQL_SCHEMES = ("postgresql", "mysql", "mssql")
SQLITE_HEADER = b"SQLite format 3\x00"


def check_store(tracking_uri: str) -> None:
    """The store at `tracking_uri` can be opened: before any run, folder or file is made.

    MLflow itself would fail minutes later (an unreachable server, after its retries), halfway
    (a read-only folder, after the run was created) or with a page of SQLAlchemy traceback.
    """
    if not tracking_uri.strip():
        raise GenlabError(
            "MLFLOW_TRACKING_URI is set but empty; unset it for the embedded store "
            "(sqlite:///<project>/mlflow.db) or give a store URI"
        )
    scheme = urllib.parse.urlsplit(tracking_uri).scheme.split("+")[0]
    if scheme == "sqlite":
        _check_sqlite(tracking_uri)
    elif scheme in ("http", "https"):
        check_reachable(tracking_uri)
    elif scheme in ("file", ""):
        raise GenlabError(
            f"{redact_value(tracking_uri)} is MLflow's file store, which MLflow 3 keeps in "
            "maintenance mode and genlab does not use; give sqlite:///<folder>/mlflow.db or "
            "a tracking server's http(s):// URL"
        )
    elif scheme not in (*SQL_SCHEMES, "databricks"):
        raise GenlabError(
            f"unknown MLflow store scheme '{scheme}://' in {redact_value(tracking_uri)}; valid: "
            "sqlite:///<file>, http(s)://<server>, postgresql+psycopg2://<database>"
        )


def require_existing_store(tracking_uri: str) -> None:
    """A store to look runs up in: one that can be opened (`check_store`), and never an empty
    SQLite store made where there was none."""
    check_store(tracking_uri)
    path = _sqlite_path(tracking_uri)
    if path is not None and not path.is_file():
        raise GenlabError(
            f"there is no MLflow store at {path} (so no runs to look up); set "
            "MLFLOW_TRACKING_URI to the store that holds the run"
        )


def _check_sqlite(tracking_uri: str) -> None:
    path = _sqlite_path(tracking_uri)
    if path is None:
        raise GenlabError(f"{tracking_uri}: write sqlite:///<path to mlflow.db>")
    if path.is_dir():
        raise GenlabError(
            f"the MLflow store {path} is a folder; name a file, e.g. {path}/mlflow.db"
        )
    if path.is_file():
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise GenlabError(f"{path} is not an SQLite database, so it cannot be an MLflow store")
        if not os.access(path, os.W_OK):
            raise GenlabError(f"the MLflow store {path} is read-only")
        return
    blocker = creation_blocker(path.parent)
    if blocker is not None:
        raise GenlabError(
            f"cannot create the MLflow store {path}: {blocker} is not a writable folder; "
            "point MLFLOW_TRACKING_URI elsewhere"
        )


def check_reachable(tracking_uri: str, timeout_s: float = 5.0) -> None:
    """A tracking server that does not answer fails now, in seconds, rather than after MLflow's
    retries (minutes) or, worse, after training when the checkpoint is uploaded."""
    if not tracking_uri.startswith(("http://", "https://")):
        return
    shown = redact_value(tracking_uri)
    parts = urllib.parse.urlsplit(tracking_uri)
    # urllib cannot open a URL with user:password in it; send them as Basic auth instead.
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    url = urllib.parse.urlunsplit(
        (parts.scheme, netloc, parts.path.rstrip("/") + "/health", "", "")
    )
    headers = {}
    if parts.username is not None:
        token = f"{parts.username}:{parts.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(token).decode()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers), timeout=timeout_s
        ):
            pass
    except (OSError, ValueError) as err:
        raise GenlabError(
            f"cannot reach the MLflow tracking server at {shown} ({err}); start it, fix "
            "MLFLOW_TRACKING_URI, or unset it to use the embedded store (logger=none: no tracking)"
        ) from err


def ensure_experiment(tracking_uri: str, name: str, artifact_location: str | None) -> str:
    """The experiment's id, created if missing (by whichever job comes first). Call it while
    holding `store_lock(tracking_uri)`."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri)
    try:
        experiment = client.get_experiment_by_name(name)
    except Exception as err:  # unwritable folder, corrupt database, refused login, ...
        raise GenlabError(
            f"cannot open the MLflow store {redact_value(tracking_uri)}: {first_line(err)}"
        ) from err
    if experiment is not None:
        return experiment.experiment_id
    try:
        return client.create_experiment(name, artifact_location=artifact_location)
    except MlflowException:  # created meanwhile through a tracking server
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id
