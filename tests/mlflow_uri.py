"""MLflow's global `set_tracking_uri` also sets MLFLOW_TRACKING_URI, which would send later tests'
runs to one test's store: a test that needs the global URI sets it only for a block."""

import contextlib
import os
from collections.abc import Iterator

import mlflow


@contextlib.contextmanager
def global_tracking_uri(tracking_uri: str) -> Iterator[None]:
    """MLflow resolves `runs:/` URIs and a logged model's artifacts through its global tracking
    URI only, whatever client asks: set for the block, put back (None: unset) after."""
    previous = os.environ.get("MLFLOW_TRACKING_URI")
    mlflow.set_tracking_uri(tracking_uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(previous)
