"""A grid of samples from the same fixed noise at every validation, so epochs compare by eye.

Drawn during validation, where an EMA callback has swapped in the averaged weights, so the grid
shows the weights that are scored and checkpointed. A conditional model gets one row per class,
a self-conditioned one a row per cluster.
"""

import re
from pathlib import Path

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities import rank_zero_only

from genlab.callbacks.logger_protocols import log_artifact
from genlab.models.base import GenerativeModule
from genlab.utils.grids import row_labels, save_grid

# Where the grids go in the run's artifacts, and each grid's name (epoch counted from 1), with
# the pattern that reads the epoch back (app/compare_runs.py).
ARTIFACT_DIR = "samples"
GRID_PATTERN = re.compile(r"epoch_(\d+)\.png$")


def grid_name(epoch: int) -> str:
    return f"epoch_{epoch:03d}.png"


def grid_labels(module: GenerativeModule, nrow: int) -> torch.Tensor | None:
    """Row r of a conditional model's grid asks for class r, of a self-conditioned one for
    cluster r (what each cluster became); None for unconditional models."""
    if not module.label_count:
        return None
    return row_labels(module.label_count, nrow)


class SampleGridCallback(pl.Callback):
    def __init__(
        self,
        output_dir: str,
        num_samples: int = 64,
        nrow: int = 8,
        noise_seed: int = 1234,
        every_n_epochs: int = 1,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.num_samples = num_samples
        self.nrow = nrow
        self.noise_seed = noise_seed
        self.every_n_epochs = every_n_epochs
        self.last_grid: Path | None = None

    @rank_zero_only
    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        epoch = trainer.current_epoch + 1
        if epoch % self.every_n_epochs and epoch != trainer.max_epochs:
            return
        assert isinstance(pl_module, GenerativeModule)
        labels = grid_labels(pl_module, self.nrow)
        count = self.num_samples if labels is None else len(labels)
        noise = pl_module.sample_noise(count, torch.Generator().manual_seed(self.noise_seed))
        images = pl_module.generate(noise, labels)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        path = self.output_dir / grid_name(epoch)
        save_grid(images, path, self.nrow)
        self.last_grid = path
        log_artifact(trainer, path, ARTIFACT_DIR)
