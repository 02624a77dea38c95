"""Open the MLflow store and the run's experiment before training, once, safely in parallel.

A fresh SQLite store creates its tables (an alembic migration) on first use; two sweep jobs
started at once both migrate and one fails. Creating the experiment has the same race. Under
torchrun or srun every rank even opens the store at the same moment. A file lock beside the
database serialises this first contact; later writes are SQLite's own.
Done before `fit`, it also makes an unreachable tracking URI fail before any training.
"""

import urllib.request
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from filelock import FileLock

from genlab.errors import GenlabError
from genlab.tracking.redact import redact_value


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


def check_reachable(tracking_uri: str, timeout_s: float = 5.0) -> None:
    """A tracking server that does not answer fails now, in seconds, rather than after MLflow's
    retries (minutes) or, worse, after training when the checkpoint is uploaded."""
    if not tracking_uri.startswith(("http://", "https://")):
        return
    shown = redact_value(tracking_uri)
    try:
        with urllib.request.urlopen(f"{tracking_uri.rstrip('/')}/health", timeout=timeout_s):
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

    check_reachable(tracking_uri)
    client = MlflowClient(tracking_uri)
    try:
        experiment = client.get_experiment_by_name(name)
    except Exception as err:  # unwritable folder, corrupt database, refused login, ...
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise GenlabError(
            f"cannot open the MLflow store {redact_value(tracking_uri)}: {first_line}"
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
