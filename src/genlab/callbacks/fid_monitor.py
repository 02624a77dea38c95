"""Validation FID and IS during training, in the evaluator's feature space.

GAN losses say little about sample quality, so "the best checkpoint" needs a quality metric:
after each validation this logs `val/fid` (fresh samples against the real validation split),
`val/is` and, for a conditional model, `val/label_accuracy`; ModelCheckpoint can monitor
them. The real features are computed once per fit. Scoring goes through the same `Scorer` as
evaluation.
"""

import math

import pytorch_lightning as pl
import torch

from genlab.metrics.evaluator import load_evaluator
from genlab.metrics.scorer import FeatureSet, Scorer
from genlab.models.base import GenerativeModule
from genlab.utils import checks


class FIDMonitor(pl.Callback):
    def __init__(
        self,
        evaluator_ckpt: str,
        num_samples: int = 500,
        batch_size: int = 250,
        seed: int = 0,
        channels: int | None = None,
    ) -> None:
        checks.at_least("callbacks.fid_monitor.num_samples", num_samples, 2)
        checks.at_least("callbacks.fid_monitor.batch_size", batch_size, 1)
        # Loaded now, when the config is instantiated: a missing evaluator fails before any run
        # is opened.
        # `channels`: the images' (data.channels), when the evaluator takes fewer (Stacked MNIST).
        self.scorer = Scorer(load_evaluator(evaluator_ckpt, channels), batch_size, seed=seed)
        self.num_samples = num_samples
        self.real: FeatureSet | None = None

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        assert isinstance(pl_module, GenerativeModule)
        self.scorer.extractor.to(pl_module.device)
        if self.real is None:
            real = torch.cat([batch[0] for batch in trainer.datamodule.val_dataloader()])
            self.real = self.scorer.extract(real[: self.num_samples], desc="real")
        # Under DDP each rank generates its share with its own noise; the gathered features
        # give every rank the same scores, so ModelCheckpoint agrees across ranks.
        per_rank = math.ceil(self.num_samples / trainer.world_size)
        fake, _ = self.scorer.generate(pl_module, per_rank, self.scorer.seed + trainer.global_rank)
        if trainer.world_size > 1:
            fake = fake.gathered(pl_module)
        scores = self.scorer.quick_scores(self.real, fake)
        pl_module.log_dict(
            {f"val/{name}": value for name, value in scores.items()}, prog_bar=True, sync_dist=True
        )
