"""What every genlab model shares: `forward(z)` samples images, so callbacks, the sample CLI and
evaluation work with any model without knowing whether it is a GAN or a VAE."""

from typing import Any

import pytorch_lightning as pl
import torch

# Checkpoint key naming the LightningModule class, so a checkpoint alone rebuilds its model.
MODULE_CLASS_KEY = "genlab_module_class"
RNG_STATE_KEY = "genlab_torch_rng_state"


class GenerativeModule(pl.LightningModule):
    """Base class: a latent prior N(0, I) and a decoder/generator behind `forward(z)`."""

    latent_dim: int

    def __init__(self) -> None:
        super().__init__()
        self.last_train_losses: dict[str, torch.Tensor] = {}  # read by StopOnDivergence
        # Running sums of this epoch's training losses (not in checkpoints, like Lightning's
        # own epoch aggregates).
        self._epoch_loss_sums: torch.Tensor | None = None
        self._epoch_steps = 0
        self._resumed_rng_state: torch.Tensor | None = None

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        """Images in [-1, 1] for latent codes `z` of shape (N, latent_dim)."""
        raise NotImplementedError

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw latents on the CPU (so a seeded generator gives the same noise on any device)."""
        return torch.randn(n, self.latent_dim, generator=generator).to(self.device)

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """Sample in eval mode (BatchNorm running statistics) and restore the previous mode."""
        was_training = self.training
        self.eval()
        try:
            return self(z.to(self.device))
        finally:
            self.train(was_training)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.generate(self.sample_noise(n, generator))

    def on_fit_start(self) -> None:
        # seed_everything gives every rank the same seed: without this offset all ranks would
        # draw the same latent noise each step, wasting the extra devices.
        if self.trainer.world_size > 1:
            torch.manual_seed(torch.initial_seed() + self.global_rank)

    def log_train_losses(self, losses: dict[str, torch.Tensor]) -> None:
        """`train/<name>_step` when Lightning writes logs (every `log_every_n_steps`) and
        `train/<name>_epoch`, the epoch mean, at epoch end.

        Not `self.log(..., on_step=True, on_epoch=True)` on every step: each `self.log` call
        costs about 1 ms here (Lightning moves its metric state to the device each time), and
        a torchmetrics `MeanMetric.update` about 80 us; with 3 losses either is 1-15 % of a
        step on this CPU (BENCHMARKS.md). One stacked in-place add per step costs ~10 us and
        never syncs with the device; the epoch means are averaged over DDP ranks by
        `sync_dist` (every rank runs the same number of steps).
        """
        self.last_train_losses = {name: value.detach() for name, value in losses.items()}
        stacked = torch.stack(list(self.last_train_losses.values()))
        if self._epoch_loss_sums is None:
            self._epoch_loss_sums = torch.zeros_like(stacked)
        self._epoch_loss_sums += stacked
        self._epoch_steps += 1
        if self.trainer._logger_connector.should_update_logs:  # Lightning's own schedule
            self.log_dict(
                {f"train/{name}_step": value for name, value in self.last_train_losses.items()},
                prog_bar=True,
            )

    def on_train_epoch_end(self) -> None:
        if self._epoch_loss_sums is None:
            return
        means = self._epoch_loss_sums / self._epoch_steps
        names = self.last_train_losses  # the same losses, in the same order, every step
        self.log_dict(
            {f"train/{name}_epoch": mean for name, mean in zip(names, means, strict=True)},
            sync_dist=True,
        )
        self._epoch_loss_sums, self._epoch_steps = None, 0

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        cls = type(self)
        checkpoint[MODULE_CLASS_KEY] = f"{cls.__module__}.{cls.__qualname__}"
        # Lightning does not save RNG state: without it a resumed run draws other noise and
        # other batches than the uninterrupted run would have.
        checkpoint[RNG_STATE_KEY] = torch.get_rng_state()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self._resumed_rng_state = checkpoint.get(RNG_STATE_KEY)

    def on_train_start(self) -> None:
        # Applied here, after the sanity check, whose validation draws would shift the stream.
        if self._resumed_rng_state is not None:
            torch.set_rng_state(self._resumed_rng_state)
            self._resumed_rng_state = None
