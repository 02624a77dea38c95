"""What a callback may hand a logger besides metrics: a file for the run's artifacts, and the
news that it wrote a checkpoint outside Lightning's ModelCheckpoint.

Lightning's Logger has neither. A logger that keeps a run's record (genlab's MLflow RunLogger)
offers these methods, and callbacks find them through these protocols, without importing any
tracking code.
"""

from pathlib import Path
from typing import Protocol, runtime_checkable

import pytorch_lightning as pl


@runtime_checkable
class ArtifactLogger(Protocol):
    def log_artifact(self, local_path: str | Path, folder: str) -> None: ...


@runtime_checkable
class CheckpointRecorder(Protocol):
    def record_checkpoint(self, path: str | Path) -> None: ...


def log_artifact(trainer: pl.Trainer, path: Path, folder: str) -> None:
    """`path` into `folder` of every logger that stores files."""
    for logger in trainer.loggers:
        if isinstance(logger, ArtifactLogger):
            logger.log_artifact(path, folder)


def record_checkpoint(trainer: pl.Trainer, path: Path) -> None:
    """Tell every logger that keeps a run's record that `path` is its newest checkpoint."""
    for logger in trainer.loggers:
        if isinstance(logger, CheckpointRecorder):
            logger.record_checkpoint(path)
