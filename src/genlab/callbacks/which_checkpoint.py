"""Which of a fit's checkpoints is its model, and which its newest: decided here, once, and
asked by every reader (the hand-off file, the logged MLflow model and so evaluation and
`sample.py run_id=`; divergence's "last good checkpoint"; the run's resume record)."""

from pathlib import Path

import pytorch_lightning as pl

from genlab.callbacks.last_checkpoint import LastCheckpoint


def model_checkpoint(trainer: pl.Trainer) -> Path | None:
    """The checkpoint that is the trained model, the one rule every reader follows (the hand-off
    file, the logged MLflow model, evaluation): the file the kept-checkpoint callback chose,
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
