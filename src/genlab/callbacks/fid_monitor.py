"""Validation FID and IS during training, in the evaluator's feature space.

GAN losses say little about sample quality, so "the best checkpoint" needs a quality metric:
after each validation this logs `val/fid` (fresh samples against the real validation split) and
`val/is`, which ModelCheckpoint can monitor. The real features are computed once per fit.
"""

import math
from pathlib import Path

import pytorch_lightning as pl
import torch

from genlab.checkpoints import load_module
from genlab.errors import GenlabError
from genlab.metrics.extract import extract_features, generate_batches
from genlab.metrics.extractor import ClassifierExtractor
from genlab.metrics.scores import compute_scores
from genlab.models.base import GenerativeModule


class FIDMonitor(pl.Callback):
    def __init__(
        self, evaluator_ckpt: str, num_samples: int = 500, batch_size: int = 250, seed: int = 0
    ) -> None:
        self.evaluator_ckpt = Path(evaluator_ckpt)
        self.num_samples = num_samples
        self.batch_size = batch_size
        self.seed = seed
        self.extractor: ClassifierExtractor | None = None
        self.real_features: torch.Tensor | None = None

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if not self.evaluator_ckpt.is_file():
            raise GenlabError(
                f"val/fid needs the evaluator at {self.evaluator_ckpt}; train it with "
                "`python pipelines/train_evaluator.py data=<data>` or use callbacks=default"
            )
        self.extractor = ClassifierExtractor(load_module(self.evaluator_ckpt).classifier)

    def _batches(self, images: torch.Tensor):
        return (images[i : i + self.batch_size] for i in range(0, len(images), self.batch_size))

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        assert isinstance(pl_module, GenerativeModule) and self.extractor is not None
        self.extractor.to(pl_module.device)
        if self.real_features is None:
            real = torch.cat([batch[0] for batch in trainer.datamodule.val_dataloader()])
            self.real_features, _ = extract_features(
                self.extractor, self._batches(real[: self.num_samples]), "real", progress=False
            )
        # Under DDP each rank generates its share with its own noise; the gathered features
        # give every rank the same scores, so ModelCheckpoint agrees across ranks.
        generator = torch.Generator().manual_seed(self.seed + trainer.global_rank)
        per_rank = math.ceil(self.num_samples / trainer.world_size)
        fakes = generate_batches(
            lambda n: pl_module.sample(n, generator), per_rank, self.batch_size
        )
        fake_features, fake_logits = extract_features(
            self.extractor, fakes, "samples", progress=False
        )
        if trainer.world_size > 1:
            fake_features = pl_module.all_gather(fake_features).flatten(0, 1)
            fake_logits = pl_module.all_gather(fake_logits).flatten(0, 1)
        scores = compute_scores(
            self.real_features,
            fake_features,
            fake_logits,
            kid_subset_size=min(100, self.num_samples),
        )
        pl_module.log_dict(
            {"val/fid": scores["fid"], "val/is": scores["is_mean"]}, prog_bar=True, sync_dist=True
        )
