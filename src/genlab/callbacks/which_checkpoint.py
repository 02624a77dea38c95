"""Which checkpoint: the one module that answers it, one function per question, for a fit in
progress (its Trainer, its checkpoint callbacks) and for a finished or killed run (its MLflow
record). Every reader asks here: train.py (the model it logs, the checkpoint `resume=` loads),
the hand-off and `evaluate.py`/`sample.py run_id=` (the model), the run logger (the newest file
a callback wrote), divergence (the last good checkpoint).

Two questions, two answers:
- the model is the checkpoint the kept-checkpoint callback chose (best by its monitor, the
  newest without one), uploaded to the run's `checkpoints/` and named by its
  `genlab.checkpoint.kept` tag;
- a continued run starts from the newest checkpoint (last.ckpt after an epoch,
  interrupted.ckpt after Ctrl-C), a local file named by the run's `genlab.checkpoint.last` tag.

Lives below `tracking/` (which records these answers in the run) so that callbacks can ask it
too; a run is therefore taken as anything with `run_id`, `tracking_uri` and `get()`
(genlab.tracking.ref.RunRef).
"""

from pathlib import Path
from typing import Any, Protocol

import pytorch_lightning as pl

from genlab.callbacks.last_checkpoint import LastCheckpoint
from genlab.utils.errors import CheckpointError

LAST_CHECKPOINT_TAG = "genlab.checkpoint.last"
KEPT_CHECKPOINT_TAG = "genlab.checkpoint.kept"
KEPT_ARTIFACT_DIR = "checkpoints"


class RecordedRun(Protocol):
    run_id: str
    tracking_uri: str

    def get(self) -> Any: ...


def model_checkpoint(trainer: pl.Trainer) -> Path | None:
    """The checkpoint that is the trained model: the file the kept-checkpoint callback chose,
    best by its monitor (`val/fid` in the pipeline), the newest without one. Never a
    LastCheckpoint's, which only says where a continued run starts."""
    for callback in trainer.checkpoint_callbacks:
        if not isinstance(callback, LastCheckpoint) and callback.best_model_path:
            return Path(callback.best_model_path)
    return None


def newest_checkpoint(trainer: pl.Trainer) -> Path | None:
    """Where a continued run starts: the LastCheckpoint's file (rewritten after every epoch);
    without one, the kept checkpoint when it follows no monitor (then it is the newest)."""
    for callback in trainer.checkpoint_callbacks:
        if isinstance(callback, LastCheckpoint) and callback.best_model_path:
            return Path(callback.best_model_path)
    for callback in trainer.checkpoint_callbacks:
        if callback.monitor is None and callback.best_model_path:
            return Path(callback.best_model_path)
    return None


def written_checkpoint(callback: Any) -> Path | None:
    """The file a checkpoint callback has just saved (Lightning tells loggers through
    `after_save_checkpoint`): its `save_last` copy when it keeps one, else its kept file. The
    run records it as its newest, where `resume=` continues."""
    written = getattr(callback, "last_model_path", "") or getattr(callback, "best_model_path", "")
    return Path(written) if written else None


def recorded_resume_checkpoint(run: RecordedRun, required: bool = True) -> Path | None:
    """The newest checkpoint the run recorded, wherever it was written (the run may have been
    resumed from other folders before). None when it recorded none and none is `required`
    (a sweep job killed before its first epoch ended starts over in its own run)."""
    recorded = run.get().data.tags.get(LAST_CHECKPOINT_TAG)
    if recorded is None and not required:
        return None
    if recorded is None:
        raise CheckpointError(
            f"resume={run.run_id}: the run recorded no checkpoint "
            "(it stopped before its first epoch ended)"
        )
    if not Path(recorded).is_file():
        raise CheckpointError(f"resume={run.run_id}: its newest checkpoint {recorded} is gone")
    return Path(recorded)


def recorded_model_checkpoint(run: RecordedRun, dst: str | Path | None = None) -> Path:
    """The run's model checkpoint, downloaded from its artifacts (into `dst`, else a temp
    folder)."""
    import tempfile

    import mlflow

    recorded = run.get().data.tags.get(KEPT_CHECKPOINT_TAG)
    if recorded is None:
        raise CheckpointError(
            f"MLflow run {run.run_id} has no kept checkpoint ({KEPT_ARTIFACT_DIR}/)"
        )
    # Runs logged before the tag named the artifact held the local file's path there.
    artifact = recorded if not Path(recorded).is_absolute() else None
    artifact = artifact or f"{KEPT_ARTIFACT_DIR}/{Path(recorded).name}"
    dst = Path(dst or tempfile.mkdtemp(prefix="genlab-ckpt-"))
    local = mlflow.artifacts.download_artifacts(
        run_id=run.run_id, artifact_path=artifact, dst_path=str(dst), tracking_uri=run.tracking_uri
    )
    return Path(local)


def require_validation_before_the_end(trainer: pl.Trainer) -> None:
    """A checkpoint kept by a `val/` metric needs a validation: a run that ends before its
    first one would keep none, and evaluation would find nothing. The trainer holds both
    values (its epochs and validation interval, its checkpoint callbacks' monitor)."""
    from genlab.utils.errors import GenlabError

    epochs, every = trainer.max_epochs, trainer.check_val_every_n_epoch
    for callback in trainer.checkpoint_callbacks:
        monitor = callback.monitor
        if monitor and monitor.startswith("val/") and epochs and every and 0 < epochs < every:
            raise GenlabError(
                f"trainer.max_epochs={epochs} ends before the first validation "
                f"(trainer.check_val_every_n_epoch={every}), so no checkpoint would be kept by "
                f"{monitor}; add trainer.check_val_every_n_epoch=1"
            )
