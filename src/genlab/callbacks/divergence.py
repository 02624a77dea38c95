"""Stop at the first non-finite training loss, instead of training on NaNs all night.

The error names the step, the loss and the last good checkpoint; Lightning then marks the
MLflow run FAILED. Checkpoints are written only at epoch ends, so the last one holds finite
weights.
"""

import math

import pytorch_lightning as pl
import torch

from genlab.callbacks.which_checkpoint import newest_checkpoint
from genlab.utils.errors import GenlabError


class DivergenceError(GenlabError):
    """A training loss became NaN or infinite."""


class StopOnDivergence(pl.Callback):
    def on_train_batch_end(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs, batch, batch_idx: int
    ) -> None:
        # Every step's losses, as training_step returned them (callback_metrics has step values
        # only every log_every_n_steps); read detached, since float() of a graph warns.
        for name, value in (outputs or {}).items():
            loss = float(value.detach() if isinstance(value, torch.Tensor) else value)
            if not math.isfinite(loss):
                raise DivergenceError(self._message(trainer, f"train/{name}", loss))

    @staticmethod
    def _message(trainer: pl.Trainer, key: str, value: float) -> str:
        last_good = newest_checkpoint(trainer)
        return (
            f"training diverged at step {trainer.global_step} (epoch {trainer.current_epoch}): "
            f"{key} = {value}; last good checkpoint: {last_good or 'none yet'}; "
            "try a lower model.lr"
        )
