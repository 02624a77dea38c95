"""Training losses into the loggers: `train/<name>_step` on Lightning's logging schedule (every
`log_every_n_steps` batches) and `train/<name>_epoch`, the epoch mean, at epoch end.

Not `self.log(..., on_step=True, on_epoch=True)` on every step: each `self.log` call, and each
torchmetrics `MeanMetric.update`, costs a measurable share of a CPU step (BENCHMARKS.md). One
stacked in-place add per step never syncs with the device; the epoch means are averaged over
DDP ranks by `sync_dist` (every rank runs the same number of steps). The sums are not saved in
checkpoints, like Lightning's own epoch aggregates.
"""

import pytorch_lightning as pl
import torch


def fit_batch_index(trainer: pl.Trainer, batch_idx: int) -> int:
    """The batch's index counted from the start of the fit, from public trainer state: every
    epoch but the last has `num_training_batches` batches, and a run resumed mid-epoch is handed
    the batch index it would have had."""
    return trainer.current_epoch * int(trainer.num_training_batches) + batch_idx


class TrainLossLog:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.sums: torch.Tensor | None = None
        self.steps = 0

    def step(
        self, module: pl.LightningModule, losses: dict[str, torch.Tensor], batch_idx: int
    ) -> None:
        values = [value.detach() for value in losses.values()]
        stacked = torch.stack(values)
        if self.sums is None:
            self.names, self.sums = list(losses), torch.zeros_like(stacked)
        self.sums += stacked
        self.steps += 1
        trainer = module.trainer
        if (fit_batch_index(trainer, batch_idx) + 1) % trainer.log_every_n_steps == 0:
            module.log_dict(
                {f"train/{name}_step": v for name, v in zip(losses, values, strict=True)},
                prog_bar=True,
            )

    def epoch_end(self, module: pl.LightningModule) -> None:
        if self.sums is None:
            return
        means = self.sums / self.steps
        module.log_dict(
            {f"train/{name}_epoch": mean for name, mean in zip(self.names, means, strict=True)},
            sync_dist=True,
        )
        self.sums, self.steps = None, 0
