"""The random stream of a run: a different stream per DDP rank, the stream's position in every
checkpoint, and a stream that validation never moves.

- Lightning saves no RNG state in checkpoints, and `seed_everything` gives every rank the same
  seed (all ranks would draw the same latent noise each step, wasting the extra devices). Here a
  resumed run draws the noise (and DiffAugment's shifts) that the uninterrupted run would have.
- Validation draws noise too (the validation losses' latent codes, the VAE's posterior samples).
  It leaves the training stream where it found it, so how often a run validates (the sanity
  check included) changes which epochs are scored, never what is trained: a cheaper validation
  schedule keeps the same trajectory and can be compared epoch for epoch.
"""

from typing import Any

import pytorch_lightning as pl
import torch


class RandomState(pl.Callback):
    def __init__(self) -> None:
        self.resumed: torch.Tensor | None = None
        self.before_validation: torch.Tensor | None = None

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.world_size > 1:
            torch.manual_seed(torch.initial_seed() + trainer.global_rank)

    def training_stream(self) -> torch.Tensor:
        """The training stream's state: during validation, where validation found it."""
        if self.before_validation is not None:
            return self.before_validation.clone()
        return torch.get_rng_state()

    def state_dict(self) -> dict[str, Any]:
        # A checkpoint written during validation (ModelCheckpoint monitors a val/ metric) holds
        # the stream training continues from, not validation's position in it.
        return {"torch_rng_state": self.training_stream()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.resumed = state_dict["torch_rng_state"]

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.resumed is not None:
            torch.set_rng_state(self.resumed)
            self.resumed = None

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.before_validation = torch.get_rng_state()

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.before_validation is not None:
            torch.set_rng_state(self.before_validation)
            self.before_validation = None
