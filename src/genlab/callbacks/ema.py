"""Averaged weights (EMA) for everything that samples: Lightning's `EMAWeightAveraging`, with
the raw weights standing in until the average starts.

Lightning swaps the averaged weights in for validation (so `val/fid`, the sample grids and the
checkpoint choice see them), saves them as the checkpoint's `state_dict` (so evaluation, the
sample CLI and the logged model use them) and keeps the raw weights and the average's state
beside them (so resume is exact). Its average starts as a copy of the untrained model and is
not updated before `update_starting_at_step`: validation would score that untrained copy, and a
checkpoint would keep it. Here, until the first update, validation and checkpoints use the raw
weights instead; the first update then copies them, so the average starts where training is.

Steps are optimizer steps, and a GAN batch makes two: Lightning checks `step % n == 0` on
odd step indices only, so for a GAN `update_every_n_steps` must be odd (`check_model` says so
before training starts). Callbacks that sample during validation must run before this one:
`genlab.app.train` orders it last.
"""

from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import EMAWeightAveraging

from genlab.utils import checks
from genlab.utils.errors import GenlabError


class EMA(EMAWeightAveraging):
    def __init__(
        self,
        decay: float = 0.999,
        update_starting_at_step: int | None = None,
        update_every_n_steps: int = 1,
    ) -> None:
        checks.unit_interval("callbacks.ema.decay", decay)
        checks.at_least("callbacks.ema.update_every_n_steps", update_every_n_steps, 1)
        super().__init__(
            decay=decay,
            update_starting_at_step=update_starting_at_step,
            update_every_n_steps=update_every_n_steps,
        )

    def check_model(self, model: pl.LightningModule) -> None:
        """Lightning updates the average on optimizer steps `step % n == 0`; a model that makes
        two per batch (a GAN) reaches only odd step indices, so an even n never updates it."""
        steps = getattr(model, "optimizer_steps_per_batch", 1)
        every = self.update_every_n_steps
        if steps == 2 and every % 2 == 0:
            raise GenlabError(
                f"callbacks.ema.update_every_n_steps={every} would never update a GAN's average: "
                "a GAN batch makes 2 optimizer steps and Lightning counts them; use an odd number"
            )

    def averaging(self) -> bool:
        """Whether the average has been updated at least once (restored on resume)."""
        return self.state_dict()["latest_update_step"] > 0

    def on_validation_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule):
        if self.averaging():
            super().on_validation_epoch_start(trainer, pl_module)

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule):
        if self.averaging():
            super().on_validation_epoch_end(trainer, pl_module)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.averaging():
            super().on_train_end(trainer, pl_module)

    def on_save_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        if self.averaging():
            super().on_save_checkpoint(trainer, pl_module, checkpoint)

    def on_load_checkpoint(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict[str, Any]
    ) -> None:
        # A checkpoint from before the first update holds only raw weights: the average will
        # copy them at its first update, as in the uninterrupted run.
        if "current_model_state" in checkpoint:
            super().on_load_checkpoint(trainer, pl_module, checkpoint)
