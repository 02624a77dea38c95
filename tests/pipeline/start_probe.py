"""A test-only callback that writes down where a fit started, so a resume test can tell a
loaded checkpoint from a silent restart (which a seeded run would otherwise hide: it ends with
the same weights, and the run logger drops the steps already logged)."""

import json
from pathlib import Path

import pytorch_lightning as pl


class RecordStart(pl.Callback):
    """`{"global_step": ..., "epoch": ...}` into `path` when training starts."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        start = {"global_step": trainer.global_step, "epoch": trainer.current_epoch}
        self.path.write_text(json.dumps(start))
