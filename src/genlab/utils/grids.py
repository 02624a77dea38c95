"""How genlab lays out and writes images: every PNG it makes goes through `save_grid`, and every
grid with a label per row asks for its labels through `row_labels`. A module of its own, so the
train stage (the sample-grid callback) does not depend on the sample CLI's code in dvc.yaml."""

from pathlib import Path

import torch
from torchvision.utils import save_image


def save_grid(images: torch.Tensor, path: Path, nrow: int) -> Path:
    """Images in [-1, 1] as one PNG grid (a single image with nrow=1)."""
    save_image(images, path, nrow=nrow, normalize=True, value_range=(-1, 1))
    return path


# A grid shows one row per label up to this many labels; with more (Stacked MNIST's 1,000
# triples, 100 clusters) it shows this many, spread evenly over them.
MAX_LABEL_ROWS = 20


def row_labels(labels: int, per_row: int, rows: int | None = None) -> torch.Tensor:
    """The labels of a grid with one label per row: row r asks for label r (modulo `labels`,
    when there are more `rows` than labels), `per_row` images each. Without `rows`, every
    label gets a row, or MAX_LABEL_ROWS labels spread evenly over them when there are more."""
    if rows is None and labels > MAX_LABEL_ROWS:
        spread = torch.linspace(0, labels - 1, MAX_LABEL_ROWS).round().long()
        return spread.repeat_interleave(per_row)
    return (torch.arange(labels if rows is None else rows) % labels).repeat_interleave(per_row)
