"""What every genlab model shares: `forward(z, labels)` samples images, so callbacks, the sample
CLI and evaluation work with any model without knowing whether it is a GAN or a VAE, or whether
it is conditioned on a class."""

from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch

from genlab.models.components.clusters import PixelClusters
from genlab.models.loss_log import TrainLossLog
from genlab.utils import checks
from genlab.utils.errors import GenlabError
from genlab.utils.eval_mode import eval_mode

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


def build_clusters(config: dict[str, Any] | None, train_images: int) -> PixelClusters | None:
    """The cluster model of a self-conditioned GAN, or None when `clusters` is 0 (off)."""
    if not config or not config.get("clusters"):
        return None
    from hydra.utils import instantiate

    return instantiate(config, train_images=train_images)


def at_least_float32(tensor: torch.Tensor) -> torch.Tensor:
    """A bf16 or fp16 network output (mixed precision) as float32, for the sums a loss takes
    over it; float32 and float64 stay as they are."""
    return tensor.to(torch.promote_types(tensor.dtype, torch.float32))


class GenerativeModule(pl.LightningModule):
    """Base class: a latent prior and a decoder/generator behind `forward(z, labels)`.

    A conditional model (`conditional=True`) takes a class label per image; asked for samples
    without labels, it draws them from the training split's class frequencies, so its samples
    have the class balance of the data it is scored against.

    A self-conditioned model (`self_conditioning` with `clusters` > 0) conditions its networks
    on cluster ids of its training images instead (`components/clusters.py`). To its caller it
    is unconditional: it takes no labels and draws its cluster ids by their sizes.
    """

    latent_dim: int
    # Optimizer steps per training batch, as Lightning counts them in `global_step` (a GAN: 2).
    optimizer_steps_per_batch = 1

    def __init__(
        self,
        latent_dim: int,
        conditional: bool = False,
        num_classes: int = 0,
        class_counts: Sequence[int] | None = None,
        self_conditioning: dict[str, Any] | None = None,
        train_images: int = 0,
    ) -> None:
        super().__init__()
        checks.at_least("model.latent_dim", latent_dim, 1)
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
        self.clusters = build_clusters(self_conditioning, train_images)
        if conditional and self.clusters is not None:
            raise GenlabError(
                "model.conditional=true and model.self_conditioning.clusters > 0 exclude each "
                "other: a model is conditioned on its classes or on clusters, not both"
            )
        self.loss_log = TrainLossLog()

    @property
    def label_count(self) -> int:
        """How many labels the networks take: classes, clusters, or 0 (none)."""
        return self.clusters.clusters if self.clusters is not None else self.num_classes

    def label_weights(self) -> torch.Tensor | None:
        """How often each network label is drawn when none is asked for: the clusters' sizes or
        the training classes' frequencies (normalised); None for a model without labels."""
        if self.clusters is not None:
            sizes = self.clusters.sizes.detach().cpu().double()
            return sizes / sizes.sum()
        return self.class_prior.detach().cpu().double() if self.conditional else None

    def network(self, config: dict[str, Any], **kwargs: Any) -> torch.nn.Module:
        """A network built from its config (`_target_` and arguments), told the label count
        when the model is conditional or self-conditioned."""
        from hydra.utils import instantiate

        labels = {"num_classes": self.label_count} if self.label_count else {}
        return instantiate(config, **labels, **kwargs)

    def images_and_labels(
        self, batch: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A data batch as the model uses it: an unconditional model ignores the labels, a
        self-conditioned one replaces them with the images' cluster ids."""
        images, labels = batch
        if self.clusters is not None:
            return images, self.clusters(images)
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
        if self.clusters is not None:  # the networks' labels; the caller's stay None
            return self.generate(z, self.clusters.sample(n, generator)), labels
        return self.generate(z, labels), labels

    def setup(self, stage: str) -> None:
        """A self-conditioned model clusters its training split before the first step, on
        every DDP rank alike (the same full split, the same seed); resume then loads the
        checkpoint's clusters over these."""
        if stage != "fit" or self.clusters is None or self.clusters.fitted:
            return
        datamodule = self.trainer.datamodule
        train_set = getattr(datamodule, "train_set", None)
        if train_set is None:
            raise GenlabError("a self-conditioned model is fitted with a genlab datamodule")
        self.clusters.fit(train_set.images)

    def on_train_epoch_end(self) -> None:
        self.loss_log.epoch_end(self)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        cls = type(self)
        checkpoint[MODULE_CLASS_KEY] = f"{cls.__module__}.{cls.__qualname__}"
