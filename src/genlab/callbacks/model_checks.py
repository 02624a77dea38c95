"""A callback that can tell, before training starts, that it does not fit the model it would
train (genlab.app.train asks every callback that can, before the MLflow run is opened)."""

from typing import Protocol, runtime_checkable

import pytorch_lightning as pl


@runtime_checkable
class ChecksModel(Protocol):
    def check_model(self, model: pl.LightningModule) -> None:
        """Raise GenlabError when this callback cannot work with `model`."""
