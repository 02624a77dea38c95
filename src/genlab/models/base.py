"""What every genlab model shares: `forward(z, labels)` samples images, so callbacks, the sample
CLI and evaluation work with any model without knowing whether it is a GAN or a VAE, or whether
it is conditioned on a class."""

from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch

from genlab.errors import GenlabError
from genlab.eval_mode import eval_mode
from genlab.models.loss_log import TrainLossLog

# Checkpoint key naming the LightningModule class, so a checkpoint alone rebuilds its model.
MODULE_CLASS_KEY = "genlab_module_class"

# Labels a caller may ask samples for: one per image, one for all, or None (drawn).
LabelRequest = torch.Tensor | int | Sequence[int] | None


def class_prior(num_classes: int, class_counts: Sequence[int] | None) -> torch.Tensor:
    """Label probabilities from the training split's class counts (uniform without them)."""
    if class_counts is None:
        return torch.full((num_classes,), 1.0 / max(num_classes, 1))
    counts = torch.as_tensor(list(class_counts), dtype=torch.float64)
    if counts.shape != (num_classes,) or counts.sum() <= 0:
        raise GenlabError(f"class_counts must be {num_classes} counts, got {list(class_counts)}")
    return (counts / counts.sum()).float()


def at_least_float32(tensor: torch.Tensor) -> torch.Tensor:
    """A bf16 or fp16 network output (mixed precision) as float32, for the sums a loss takes
    over it; float32 and float64 stay as they are."""
    return tensor.to(torch.promote_types(tensor.dtype, torch.float32))


class GenerativeModule(pl.LightningModule):
    """Base class: a latent prior and a decoder/generator behind `forward(z, labels)`.

    A conditional model (`conditional=True`) takes a class label per image; asked for samples
    without labels, it draws them from the training split's class frequencies, so its samples
    have the class balance of the data it is scored against.
    """

    latent_dim: int

    def __init__(
        self,
        latent_dim: int,
        conditional: bool = False,
        num_classes: int = 0,
        class_counts: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        if conditional and num_classes < 2:
            raise GenlabError(
                f"a conditional model needs a dataset with at least 2 classes, got {num_classes}"
            )
        self.conditional = conditional
        self.num_classes = num_classes if conditional else 0
        self.register_buffer(
            "class_prior", class_prior(self.num_classes, class_counts if conditional else None)
        )
        self.loss_log = TrainLossLog()

    def network(self, config: dict[str, Any], **kwargs: Any) -> torch.nn.Module:
        """A network built from its config (`_target_` and arguments), told the class count
        when the model is conditional."""
        from hydra.utils import instantiate

        labels = {"num_classes": self.num_classes} if self.conditional else {}
        return instantiate(config, **labels, **kwargs)

    def images_and_labels(
        self, batch: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A data batch as the model uses it: an unconditional model ignores the labels."""
        images, labels = batch
        return images, (labels if self.conditional else None)

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
        self, n: int, labels: LabelRequest, generator: torch.Generator | None = None
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
        with eval_mode(self):
            labels = None if labels is None else labels.to(self.device)
            return self(z.to(self.device), labels)

    def sample(
        self, n: int, labels: LabelRequest = None, *, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """`n` images; a conditional model draws its labels from the class frequencies unless
        `labels` (one per image, or one for all) are given."""
        return self.sample_with_labels(n, labels, generator=generator)[0]

    def sample_with_labels(
        self, n: int, labels: LabelRequest = None, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """`sample`, and the labels the images were asked for (None: unconditional)."""
        z = self.sample_noise(n, generator)
        labels = self.labels_for(n, labels, generator)
        return self.generate(z, labels), labels

    def on_train_epoch_end(self) -> None:
        self.loss_log.epoch_end(self)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        cls = type(self)
        checkpoint[MODULE_CLASS_KEY] = f"{cls.__module__}.{cls.__qualname__}"
