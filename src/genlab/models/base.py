"""What every genlab model shares: `forward(z, labels)` samples images, so callbacks, the sample
CLI and evaluation work with any model without knowing whether it is a GAN or a VAE, or whether
it is conditioned on a class."""

from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch

from genlab.errors import GenlabError

# Checkpoint key naming the LightningModule class, so a checkpoint alone rebuilds its model.
MODULE_CLASS_KEY = "genlab_module_class"
RNG_STATE_KEY = "genlab_torch_rng_state"


def class_prior(num_classes: int, class_counts: Sequence[int] | None) -> torch.Tensor:
    """Label probabilities from the training split's class counts (uniform without them)."""
    if class_counts is None:
        return torch.full((num_classes,), 1.0 / max(num_classes, 1))
    counts = torch.as_tensor(list(class_counts), dtype=torch.float64)
    if counts.shape != (num_classes,) or counts.sum() <= 0:
        raise GenlabError(f"class_counts must be {num_classes} counts, got {list(class_counts)}")
    return (counts / counts.sum()).float()


class GenerativeModule(pl.LightningModule):
    """Base class: a latent prior and a decoder/generator behind `forward(z, labels)`.

    A conditional model (`conditional=True`) takes a class label per image; asked for samples
    without labels, it draws them from the training split's class frequencies, so its samples
    have the class balance of the data it is scored against.
    """

    latent_dim: int

    def __init__(
        self,
        conditional: bool = False,
        num_classes: int = 0,
        class_counts: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        if conditional and num_classes < 2:
            raise GenlabError(
                f"a conditional model needs a dataset with at least 2 classes, got {num_classes}"
            )
        self.conditional = conditional
        self.num_classes = num_classes if conditional else 0
        self.register_buffer(
            "class_prior", class_prior(self.num_classes, class_counts if conditional else None)
        )
        self.last_train_losses: dict[str, torch.Tensor] = {}  # read by StopOnDivergence
        # Running sums of this epoch's training losses (not in checkpoints, like Lightning's
        # own epoch aggregates).
        self._epoch_loss_sums: torch.Tensor | None = None
        self._epoch_steps = 0
        self._resumed_rng_state: torch.Tensor | None = None

    def forward(
        self, z: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:  # pragma: no cover - abstract
        """Images in [-1, 1] for latent codes `z` of shape (N, latent_dim) and, for a
        conditional model, int64 class labels of shape (N,)."""
        raise NotImplementedError

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw latents on the CPU (so a seeded generator gives the same noise on any device)."""
        return torch.randn(n, self.latent_dim, generator=generator).to(self.device)

    def sample_labels(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Labels drawn from the training split's class frequencies (CPU draw, like the noise)."""
        prior = self.class_prior.detach().cpu().double()
        return torch.multinomial(prior, n, replacement=True, generator=generator).to(self.device)

    def labels_for(
        self, n: int, labels: torch.Tensor | int | Sequence[int] | None, generator=None
    ) -> torch.Tensor | None:
        """`labels` as an (n,) tensor on the model's device, checked; drawn when None."""
        if not self.conditional:
            if labels is not None:
                raise GenlabError("labels were given, but this model is not conditional")
            return None
        if labels is None:
            return self.sample_labels(n, generator)
        labels = torch.as_tensor(labels, dtype=torch.int64).flatten()
        if labels.numel() == 1:
            labels = labels.expand(n)
        if labels.numel() != n:
            raise GenlabError(f"got {labels.numel()} labels for {n} samples")
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise GenlabError(
                f"labels must be in 0..{self.num_classes - 1}, got {sorted(set(labels.tolist()))}"
            )
        return labels.to(self.device)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Sample in eval mode (BatchNorm running statistics) and restore the previous mode."""
        was_training = self.training
        self.eval()
        try:
            labels = None if labels is None else labels.to(self.device)
            return self(z.to(self.device), labels)
        finally:
            self.train(was_training)

    def sample(
        self,
        n: int,
        labels: torch.Tensor | int | Sequence[int] | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """`n` images; a conditional model draws its labels from the class frequencies unless
        `labels` (one per image, or one for all) are given."""
        return self.sample_with_labels(n, labels, generator=generator)[0]

    def sample_with_labels(
        self,
        n: int,
        labels: torch.Tensor | int | Sequence[int] | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """`sample`, and the labels the images were asked for (None: unconditional)."""
        z = self.sample_noise(n, generator)
        labels = self.labels_for(n, labels, generator)
        return self.generate(z, labels), labels

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
