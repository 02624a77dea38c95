"""The logger that opens a training run: Lightning's MLFlowLogger, opened under the store lock,
that records where the run's checkpoints are and never logs a step twice."""

from pathlib import Path
from typing import Any

from omegaconf import DictConfig
from pytorch_lightning.loggers import Logger, MLFlowLogger

from genlab.callbacks.which_checkpoint import written_checkpoint
from genlab.tracking.checkpoints import record_newest_checkpoint
from genlab.tracking.ref import RunRef
from genlab.tracking.store import ensure_experiment, store_lock


class RunLogger(MLFlowLogger):
    """A resumed run replays the steps between its checkpoint and the interruption, which the
    interrupted process had already logged (with the same values, since resume is exact):
    those are not logged again. Every checkpoint a fit writes (Lightning tells loggers through
    `after_save_checkpoint`) becomes the run's newest, where `resume=<run id>` continues."""

    def __init__(self, tracking_uri: str, **kwargs: Any) -> None:
        super().__init__(tracking_uri=tracking_uri, **kwargs)
        self.tracking_uri = tracking_uri
        self.logged_steps: dict[str, int] = {}  # key -> last step already in the run

    @property
    def ref(self) -> RunRef:
        return RunRef(self.tracking_uri, self.run_id)

    def skip_logged_steps(self) -> None:
        """Resuming: remember how far each metric's history already goes."""
        client = self.ref.client()
        for key in client.get_run(self.run_id).data.metrics:
            history = client.get_metric_history(self.run_id, key)
            self.logged_steps[key] = max(m.step for m in history)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        if step is not None and self.logged_steps:
            metrics = {k: v for k, v in metrics.items() if step > self.logged_steps.get(k, -1)}
        if metrics:
            super().log_metrics(metrics, step)

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        super().after_save_checkpoint(checkpoint_callback)
        written = written_checkpoint(checkpoint_callback)
        if written is not None:
            self.record_checkpoint(written)

    def record_checkpoint(self, path: str | Path) -> None:
        """`path` is the run's newest checkpoint (genlab.callbacks.logger_protocols)."""
        record_newest_checkpoint(self.experiment, self.run_id, Path(path))

    def log_artifact(self, local_path: str | Path, folder: str) -> None:
        """A file into the run's `folder` (genlab.callbacks.logger_protocols)."""
        self.experiment.log_artifact(self.run_id, str(local_path), folder)


def run_loggers(loggers: list[Logger]) -> list[RunLogger]:
    return [lg for lg in loggers if isinstance(lg, RunLogger)]


def is_run_logger(node: DictConfig) -> bool:
    from hydra.utils import get_class

    return issubclass(get_class(node._target_), RunLogger)


def open_run(
    node: DictConfig, name: str, tags: dict[str, str], resume: str | None, rank_zero: bool
) -> RunLogger:
    """The run logger for a new run, or for run `resume` reopened. Parallel jobs and DDP
    ranks open the store one by one; only rank 0 ever writes to it."""
    from hydra.utils import instantiate

    with store_lock(node.tracking_uri):
        if rank_zero:
            ensure_experiment(node.tracking_uri, node.experiment_name, node.artifact_location)
        extra = {"run_id": resume} if resume else {}
        logger = instantiate(node, run_name=name, tags=tags, **extra)
    if resume and rank_zero:
        logger.skip_logged_steps()
    return logger
