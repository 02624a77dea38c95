"""Test-only callbacks that break a real training run at a chosen batch, as the world does."""

import os
import signal

import pytorch_lightning as pl
import torch


class SignalSelf(pl.Callback):
    """Send `signal_name` (SIGINT, SIGTERM, SIGKILL) to this process mid-epoch."""

    def __init__(self, epoch: int, batch: int, signal_name: str) -> None:
        self.epoch, self.batch = epoch, batch
        self.signum = getattr(signal, signal_name)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        if (trainer.current_epoch, batch_idx) == (self.epoch, self.batch):
            os.kill(os.getpid(), self.signum)


class PoisonWeights(pl.Callback):
    """Fill every weight with NaN before a batch: the next loss is non-finite."""

    def __init__(self, epoch: int, batch: int) -> None:
        self.epoch, self.batch = epoch, batch

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if (trainer.current_epoch, batch_idx) == (self.epoch, self.batch):
            with torch.no_grad():
                for parameter in pl_module.parameters():
                    parameter.fill_(float("nan"))


class ScriptedMetric(pl.Callback):
    """Log `values[epoch]` as `name` at each validation: a monitored metric whose best epoch
    the test chooses (e.g. the middle one), to check what is kept and logged."""

    def __init__(self, name: str, values: list[float]) -> None:
        self.name, self.values = name, list(values)

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        if not trainer.sanity_checking:
            pl_module.log(self.name, float(self.values[trainer.current_epoch]))
