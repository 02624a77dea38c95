"""A test-only callback: tags the MLflow run with the id of the process that trained it, so a
sweep test can tell which jobs ran in which worker."""

import os

import pytorch_lightning as pl
from pytorch_lightning.loggers import MLFlowLogger

TAG = "test.pid"


class TagProcess(pl.Callback):
    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        for logger in trainer.loggers:
            if isinstance(logger, MLFlowLogger):
                logger.experiment.set_tag(logger.run_id, TAG, str(os.getpid()))
