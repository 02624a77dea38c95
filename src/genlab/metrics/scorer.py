"""The one path from a generator to its scores, shared by validation (`FIDMonitor`, every epoch)
and evaluation (`genlab.app.evaluate`, once per model): draw samples (and, for a conditional model,
the labels they were asked for), extract evaluator features, compute the scores.

Validation asks for FID and IS only; evaluation adds the scores that need more samples or
more time: KID and a bootstrap interval of it and of FID, precision/recall/density/coverage, the
memorization ratio and, for conditional models, label accuracy and intra-class FID.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from genlab.metrics.conditional import intra_class_fid, label_accuracy
from genlab.metrics.extract import extract_features, generate_batches
from genlab.metrics.manifold import manifold_scores
from genlab.metrics.memorization import memorization_ratio
from genlab.metrics.scores import compute_scores, fid_interval, kernel_distance

# Intra-class FID needs this many generated images per class on average (1,000 classes of
# Stacked MNIST at 1,000 samples would give a Fréchet distance of one or two images each).
MIN_PER_CLASS = 10


@dataclass
class FeatureSet:
    """Evaluator outputs for a set of images: features (FID, KID, PRDC), logits (IS, label
    accuracy) and labels (true ones for real images, asked ones for generated; None for an
    unconditional model)."""

    features: torch.Tensor
    logits: torch.Tensor
    labels: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.features)

    def take(self, n: int) -> "FeatureSet":
        labels = None if self.labels is None else self.labels[:n]
        return FeatureSet(self.features[:n], self.logits[:n], labels)

    def gathered(self, module: nn.Module) -> "FeatureSet":
        """Every DDP rank's share, on every rank (`LightningModule.all_gather`)."""

        def gather(tensor: torch.Tensor | None) -> torch.Tensor | None:
            return None if tensor is None else module.all_gather(tensor).flatten(0, 1)

        return FeatureSet(gather(self.features), gather(self.logits), gather(self.labels))


def batches(images: torch.Tensor, batch_size: int) -> Iterator[torch.Tensor]:
    return (images[i : i + batch_size] for i in range(0, len(images), batch_size))


@dataclass
class Scorer:
    """An evaluator network and the settings every score of a run is computed with."""

    extractor: nn.Module
    batch_size: int = 250
    seed: int = 0

    def extract(
        self,
        images: Iterable[torch.Tensor] | torch.Tensor,
        labels: torch.Tensor | None = None,
        desc: str = "images",
        progress: bool = False,
    ) -> FeatureSet:
        if isinstance(images, torch.Tensor):
            images = batches(images, self.batch_size)
        features, logits = extract_features(self.extractor, images, desc, progress=progress)
        return FeatureSet(features, logits, labels)

    def generate(
        self, module: nn.Module, n: int, seed: int, keep: int = 0, progress: bool = False
    ) -> tuple[FeatureSet, torch.Tensor]:
        """Features of `n` fresh samples (labels drawn from the class frequencies for a
        conditional model), drawn under `seed`; and the first `keep` images themselves."""
        generator = torch.Generator().manual_seed(seed)
        kept: list[torch.Tensor] = []
        labels: list[torch.Tensor] = []

        def draw(count: int) -> torch.Tensor:
            images, asked = module.sample_with_labels(count, generator=generator)
            if asked is not None:
                labels.append(asked.cpu())
            if sum(len(k) for k in kept) < keep:
                kept.append(images.cpu())
            return images

        fake = self.extract(
            generate_batches(draw, n, self.batch_size), desc="generated", progress=progress
        )
        fake.labels = torch.cat(labels) if labels else None
        images = torch.cat(kept)[:keep] if kept else torch.empty(0)
        return fake, images

    def quick_scores(self, real: FeatureSet, fake: FeatureSet) -> dict[str, float]:
        """What validation logs each epoch: FID, IS and, conditional, label accuracy."""
        scores = compute_scores(real.features, fake.features, fake.logits, seed=self.seed)
        result = {"fid": scores["fid"], "is": scores["is_mean"]}
        if fake.labels is not None:
            result["label_accuracy"] = label_accuracy(fake.logits, fake.labels)
        return result

    def full_scores(
        self, train: FeatureSet, fake: FeatureSet, held_out: FeatureSet | None = None
    ) -> dict[str, float]:
        """Everything evaluation reports for `fake` against the training split. `held_out`
        (real images the model never saw) sets the memorization ratio's yardstick."""
        scores: dict[str, float] = compute_scores(
            train.features, fake.features, fake.logits, seed=self.seed
        )
        low, high = fid_interval(train.features, fake.features, seed=self.seed)
        scores |= {"fid_low": low, "fid_high": high}
        kid, kid_low, kid_high = kernel_distance(train.features, fake.features, seed=self.seed)
        scores |= {"kid": kid, "kid_low": kid_low, "kid_high": kid_high}
        scores |= manifold_scores(train.features, fake.features)
        if held_out is not None:
            scores["memorization_ratio"] = memorization_ratio(
                train.features, fake.features, held_out.features
            )
        if fake.labels is not None and train.labels is not None:
            scores["label_accuracy"] = label_accuracy(fake.logits, fake.labels)
            if len(fake) < MIN_PER_CLASS * int(train.labels.max() + 1):
                return scores  # too few images per class for a covariance (Stacked MNIST)
            per_class = intra_class_fid(train.features, train.labels, fake.features, fake.labels)
            scores["intra_fid"] = per_class.pop("mean")
            scores |= {f"intra_fid_{label}": value for label, value in per_class.items()}
        return scores
