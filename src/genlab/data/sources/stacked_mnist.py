"""Stacked MNIST (Metz et al. 2017; Srivastava et al. 2017; Lin et al. 2018): three MNIST digits
as the R, G and B channels of one 28x28 image, so that the data has 1,000 modes (digit triples)
and a generator's mode collapse can be counted. Built offline from mnist5k's digits.

The stacks are stratified: every triple occurs `size // 1000` times (the rest, if any, drawn at
random), and each channel's digit is drawn uniformly from the split's images of that class.
That is the published setting's distribution (each channel an independent uniform digit) with
the sampling noise of the triple counts taken out, so the real-data row of the mode metrics
measures the evaluator's errors alone. Training stacks use mnist5k's training digits, validation
stacks its validation digits: no digit image is shared between the two.

The images are stored as prepared uint8 tensors like any other source, so every consumer (the
datamodule, self-conditioning, evaluation, the feature caches) works on them unchanged; the cost
of that against stacking on the fly is measured in BENCHMARKS.md ("Stacked MNIST storage").
"""

from __future__ import annotations

import torch

from genlab.data.sources.base import PreparedSplits
from genlab.data.sources.mnist5k import Mnist5kSource
from genlab.utils import checks

DIGITS = 10
CHANNELS = 3
MODES = DIGITS**CHANNELS


def triple_label(digits: torch.Tensor) -> torch.Tensor:
    """The mode of each stack, 100 * R + 10 * G + B, from its (N, 3) channel digits."""
    weights = torch.tensor([DIGITS**2, DIGITS, 1], dtype=torch.int64, device=digits.device)
    return (digits.to(torch.int64) * weights).sum(dim=1)


def triple_digits(labels: torch.Tensor) -> torch.Tensor:
    """The (N, 3) channel digits of each mode label: the inverse of `triple_label`."""
    return torch.stack([labels // DIGITS**2, labels // DIGITS % DIGITS, labels % DIGITS], dim=1)


def stratified_triples(size: int, generator: torch.Generator) -> torch.Tensor:
    """`size` mode labels in a shuffled order: each of the 1,000 modes `size // 1000` times, the
    remainder distinct modes drawn at random."""
    whole = torch.arange(MODES).repeat(size // MODES)
    rest = torch.randperm(MODES, generator=generator)[: size % MODES]
    labels = torch.cat([whole, rest])
    return labels[torch.randperm(size, generator=generator)]


def stack_digits(
    images: torch.Tensor, labels: torch.Tensor, size: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """`size` stacks of `images` (uint8 N x 1 x H x W with digit `labels`): uint8 size x 3 x H x W
    and their mode labels."""
    modes = stratified_triples(size, generator)
    digits = triple_digits(modes)
    by_class = [torch.nonzero(labels == d).flatten() for d in range(DIGITS)]
    picks = torch.empty(size, CHANNELS, dtype=torch.int64)
    for digit, members in enumerate(by_class):
        for channel in range(CHANNELS):
            rows = torch.nonzero(digits[:, channel] == digit).flatten()
            draw = torch.randint(len(members), (len(rows),), generator=generator)
            picks[rows, channel] = members[draw]
    stacks = images[picks.flatten(), 0].reshape(size, CHANNELS, *images.shape[2:])
    return stacks.contiguous(), modes


class StackedMnistSource:
    """mnist5k's digits stacked three to an image: `train_size` training stacks (128,000 in the
    published setting) and `val_size` validation stacks (26,000: the sample count the mode
    metrics are scored on, so the real-data row is scored on as many)."""

    def __init__(
        self,
        train_size: int = 128_000,
        val_size: int = 26_000,
        seed: int = 0,
        val_fraction: float = 0.2,
        split_seed: int = 0,
    ) -> None:
        checks.at_least("data.source.train_size", train_size, 1)
        checks.at_least("data.source.val_size", val_size, 1)
        self.train_size, self.val_size = train_size, val_size
        self.seed = seed
        self.digits = Mnist5kSource(val_fraction=val_fraction, seed=split_seed)

    def load(self) -> PreparedSplits:
        digits = self.digits.load()
        generator = torch.Generator().manual_seed(self.seed)
        sizes = {"train": self.train_size, "val": self.val_size}
        splits = {
            split: stack_digits(*digits.splits[split], size, generator)
            for split, size in sizes.items()
        }
        return PreparedSplits(splits=splits, classes=[f"{mode:03d}" for mode in range(MODES)])
