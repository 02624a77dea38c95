"""Ctrl-C or SIGTERM (a scheduler's time limit, `kill`) mid-epoch: save where training stood.

Not Lightning's OnExceptionCheckpoint: that one saves on any exception (a divergence would
write NaN weights), and its mere presence makes `fit(ckpt_path=None)` resume from the newest
checkpoint in its folder, so a re-run into an old output folder would silently continue it.
"""

from pathlib import Path

import pytorch_lightning as pl
from pytorch_lightning.utilities.exceptions import SIGTERMException

from genlab.callbacks.logger_protocols import record_checkpoint

INTERRUPTIONS = (KeyboardInterrupt, SIGTERMException)


class InterruptCheckpoint(pl.Callback):
    def __init__(self, dirpath: str, filename: str = "interrupted") -> None:
        self.ckpt_path = Path(dirpath) / f"{filename}.ckpt"

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        if isinstance(exception, INTERRUPTIONS):
            trainer.save_checkpoint(self.ckpt_path)  # every rank calls; rank 0 writes
            if trainer.is_global_zero:  # the newest checkpoint, where resume= looks
                record_checkpoint(trainer, self.ckpt_path)
