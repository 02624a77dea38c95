"""MLflow's process-wide tracking URI, put back as it was.

`mlflow.set_tracking_uri` also writes `MLFLOW_TRACKING_URI` into this process's environment (so
that subprocesses inherit it); Lightning's `MLFlowLogger` calls it when it opens its run, and
MLflow's fluent API (`mlflow.start_run`, `mlflow.pytorch.log_model`) needs it. genlab's configs
read that variable to find the store: left set, the next run composed in the same process (a
notebook, a test, a second `train()`) would land in the store of the last one.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

ENV = "MLFLOW_TRACKING_URI"


@contextmanager
def tracking_uri_kept() -> Iterator[None]:
    """Whatever sets the tracking URI inside, afterwards it and `MLFLOW_TRACKING_URI` are what
    they were before."""
    before = os.environ.get(ENV)
    try:
        yield
    finally:
        if "mlflow" in sys.modules:
            import mlflow

            mlflow.set_tracking_uri(None)  # MLflow's own; the environment's is set below
        os.environ.pop(ENV, None)
        if before is not None:
            os.environ[ENV] = before


@contextmanager
def fluent_store(tracking_uri: str) -> Iterator[None]:
    """MLflow's fluent API aimed at `tracking_uri` for one block."""
    import mlflow

    with tracking_uri_kept():
        mlflow.set_tracking_uri(tracking_uri)
        yield
