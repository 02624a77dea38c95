"""Open the MLflow store and the run's experiment before training, once, safely in parallel.

A fresh SQLite store creates its tables (an alembic migration) on first use; two sweep jobs
started at once both migrate and one fails. Creating the experiment has the same race. Under
torchrun or srun every rank even opens the store at the same moment. A file lock beside the
database serialises this first contact; later writes are SQLite's own.
Done before `fit`, it also makes an unreachable tracking URI fail before any training.
"""

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from filelock import FileLock


def _sqlite_path(tracking_uri: str) -> Path | None:
    prefix = "sqlite:///"
    return Path(tracking_uri[len(prefix) :]) if tracking_uri.startswith(prefix) else None


def store_lock(tracking_uri: str) -> AbstractContextManager:
    path = _sqlite_path(tracking_uri)
    if path is None:
        return nullcontext()
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(f"{path}.lock", timeout=120)


def ensure_experiment(tracking_uri: str, name: str, artifact_location: str | None) -> str:
    """The experiment's id, created if missing (by whichever job comes first). Call it while
    holding `store_lock(tracking_uri)`."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri)
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    try:
        return client.create_experiment(name, artifact_location=artifact_location)
    except MlflowException:  # created meanwhile through a tracking server
        experiment = client.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment.experiment_id
