"""In-memory dataset over prepared uint8 tensors."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import Dataset

from genlab.utils.pixels import from_uint8


class UInt8ImageDataset(Dataset):
    """Serves float32 images in [-1, 1] and int64 labels from uint8 N×C×H×W storage.

    Storing uint8 keeps memory at a quarter of float32; the per-item conversion is one cheap
    tensor op, so no transform pipeline or PIL is involved at training time.
    """

    def __init__(self, images: Tensor, labels: Tensor) -> None:
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        self.images = images
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        return from_uint8(self.images[index]), self.labels[index]

    def __getitems__(self, indices: list[int]) -> tuple[Tensor, Tensor]:
        """A whole batch in one indexing op. The DataLoader calls this instead of 64 separate
        `__getitem__` calls plus a stack (see `keep_batch`); BENCHMARKS.md has the gain."""
        index = torch.as_tensor(indices)
        return from_uint8(self.images[index]), self.labels[index]


def keep_batch(batch: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
    """collate_fn for `__getitems__`: the batch is already assembled."""
    return batch
