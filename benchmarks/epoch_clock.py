"""A callback for benchmarks/ddp_epoch.py: writes how long the first training epoch took."""

import time

import pytorch_lightning as pl


class EpochClock(pl.Callback):
    def __init__(self, path: str) -> None:
        self.path = path
        self.start = 0.0

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.start = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if trainer.is_global_zero and trainer.current_epoch == 0:
            with open(self.path, "w") as out:
                out.write(f"{time.perf_counter() - self.start}\n")
