"""The random stream of a run: a different stream per DDP rank, and the stream's position in
every checkpoint, so a resumed run draws the noise (and DiffAugment's shifts) that the
uninterrupted run would have drawn.

Lightning saves neither: `seed_everything` gives every rank the same seed (all ranks would draw
the same latent noise each step, wasting the extra devices), and checkpoints hold no RNG state.
"""

from typing import Any

import pytorch_lightning as pl
import torch


class RandomState(pl.Callback):
    def __init__(self) -> None:
        self.resumed: torch.Tensor | None = None

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.world_size > 1:
            torch.manual_seed(torch.initial_seed() + trainer.global_rank)

    def state_dict(self) -> dict[str, Any]:
        return {"torch_rng_state": torch.get_rng_state()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.resumed = state_dict["torch_rng_state"]

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # Applied here, after the sanity check, whose validation draws would shift the stream.
        if self.resumed is not None:
            torch.set_rng_state(self.resumed)
            self.resumed = None
