"""Averaged weights (EMA) for everything that samples: Lightning's `EMAWeightAveraging`, with
the raw weights standing in until the average starts.

Lightning swaps the averaged weights in for validation (so `val/fid`, the sample grids and the
checkpoint choice see them), saves them as the checkpoint's `state_dict` (so evaluation, the
sample CLI and the logged model use them) and keeps the raw weights and the average's state
beside them (so resume is exact). Its average starts as a copy of the untrained model; before
`update_starting_at_step` it is never updated, and validation would score that untrained copy.
Here, until the first update, validation and checkpoints use the raw weights instead.
Callbacks that sample during validation must run before this one: `genlab.train` orders it
last.

Two choices are passed to torch's `AveragedModel` through Lightning's documented keyword
arguments: the update is torch's foreach EMA (`get_ema_multi_avg_fn`; Lightning's default
updates one tensor at a time, which nearly doubled an MLP GAN step here), and `warmup` ramps the
decay up as min(decay, (1 + n) / (10 + n)) after n updates, so an average started early does not
drag the untrained weights along (QUALITY.md measures both).
"""

from collections.abc import Callable
from typing import Any

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import EMAWeightAveraging
from torch.optim.swa_utils import get_ema_multi_avg_fn


def warmup_ema(decay: float) -> Callable[..., None]:
    """torch's foreach EMA update with the decay ramped up over the first updates."""

    @torch.no_grad()
    def update(averaged: list[torch.Tensor], current: list[torch.Tensor], n) -> None:
        effective = min(decay, (1.0 + float(n)) / (10.0 + float(n)))
        get_ema_multi_avg_fn(effective)(averaged, current, n)

    return update


class EMA(EMAWeightAveraging):
    def __init__(
        self,
        enabled: bool = True,
        decay: float = 0.999,
        warmup: bool = True,
        update_starting_at_step: int | None = None,
        update_every_n_steps: int = 1,
    ) -> None:
        super().__init__(
            decay=decay,
            update_starting_at_step=update_starting_at_step,
            update_every_n_steps=update_every_n_steps,
            multi_avg_fn=warmup_ema(decay) if warmup else get_ema_multi_avg_fn(decay),
        )
        self.enabled = enabled

    def averaging(self) -> bool:
        """Whether the average has been updated at least once (restored on resume)."""
        return self.enabled and self.state_dict()["latest_update_step"] > 0

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if self.enabled:
            super().setup(trainer, pl_module, stage)

    def should_update(self, step_idx: int | None = None, epoch_idx: int | None = None) -> bool:
        return self.enabled and super().should_update(step_idx, epoch_idx)

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
        if self.enabled and "current_model_state" in checkpoint:
            super().on_load_checkpoint(trainer, pl_module, checkpoint)
