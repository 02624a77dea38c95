"""How genlab writes images: its own module, so the train stage (the sample-grid callback) does
not depend on the sample CLI's code in dvc.yaml."""

from pathlib import Path

import torch
from torchvision.utils import save_image


def save_grid(images: torch.Tensor, path: Path, nrow: int) -> Path:
    """Images in [-1, 1] as one PNG grid (a single image with nrow=1)."""
    save_image(images, path, nrow=nrow, normalize=True, value_range=(-1, 1))
    return path
