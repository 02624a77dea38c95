"""Training of the evaluator classifier: cross-entropy, accuracy on the held-out split."""

from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from hydra.utils import instantiate
from torchmetrics.classification import MulticlassAccuracy

from genlab.models.base import MODULE_CLASS_KEY


class ClassifierModule(pl.LightningModule):
    def __init__(self, classifier: dict[str, Any], num_classes: int, lr: float = 1e-3) -> None:
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.classifier = instantiate(classifier, num_classes=num_classes)
        self.val_accuracy = MulticlassAccuracy(num_classes=num_classes, average="micro")

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.classifier(images)

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int):
        images, labels = batch
        loss = F.cross_entropy(self(images), labels)
        self.log("train/loss", loss, prog_bar=True)
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        images, labels = batch
        self.val_accuracy(self(images), labels)
        self.log("val/accuracy", self.val_accuracy, prog_bar=True)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        cls = type(self)
        checkpoint[MODULE_CLASS_KEY] = f"{cls.__module__}.{cls.__qualname__}"
