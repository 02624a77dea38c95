"""What the MLP and DCGAN discriminators share around their own feature layers: the projection
head that gives the logit (and scores the label of a conditional one), the weight init,
spectral norm on every layer (Miyato et al. 2018) and the minibatch standard deviation
(Karras et al. 2018) when asked."""

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn.utils import parametrizations

from genlab.models.components.conditioning import ProjectionHead, check_class_count


def apply_spectral_norm(network: nn.Module) -> nn.Module:
    """Divide every weight of `network` by its largest singular value, so each layer is
    1-Lipschitz: GAN training steadies without BatchNorm. Applied after the weights are
    initialised, since it reparametrises them."""
    for module in list(network.modules()):
        if isinstance(module, (nn.Conv2d, nn.Linear, nn.Embedding)):
            parametrizations.spectral_norm(module)
    return network


class MinibatchStdDev(nn.Module):
    """Appends to each image's features how much the features vary across its group of
    `group_size` images (the mean over features of their standard deviation over the group).
    A generator that collapses to a few modes makes batches that vary less than real ones, and
    this feature lets the discriminator see it (Karras et al. 2018). Karras et al. append it as
    a constant feature map before the last convolution; before a linear head, one scalar is the
    same thing."""

    def __init__(self, group_size: int = 4) -> None:
        super().__init__()
        self.group_size = group_size

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        flat = features.flatten(1)
        group = math.gcd(self.group_size, len(flat))  # a group size that divides the batch
        grouped = flat.view(group, -1, flat.shape[1])  # image i*m + j is member i of group j
        spread = (grouped.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=1)
        return torch.cat([flat, spread.repeat(group).unsqueeze(1)], dim=1)


class ProjectionDiscriminator(nn.Module):
    """Image -> features -> one logit, where each subclass builds the features in `build`.

    `num_classes`, `spectral_norm` and `minibatch_std` are this class's arguments; every other
    one goes to `build`, which returns the feature layers and their output width. Building the
    features
    before the head keeps the order in which the weights draw from the RNG and the state-dict
    keys (`features.*`, `head.*`), so checkpoints and seeded runs are those of the networks
    written out in full.
    """

    head_bias = True
    weight_init: Callable[[nn.Module], None] | None = None  # applied before spectral norm

    def __init__(
        self,
        *args: Any,
        num_classes: int = 0,
        spectral_norm: bool = False,
        minibatch_std: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        check_class_count(num_classes)
        self.spectral_norm = spectral_norm  # `build` may leave out BatchNorm for it
        self.features, width = self.build(*args, **kwargs)
        # No weights: with it off or on, the state-dict keys are the same.
        self.minibatch_std = MinibatchStdDev() if minibatch_std else None
        width += 1 if minibatch_std else 0
        self.head = ProjectionHead(width, num_classes, bias=self.head_bias)
        if self.weight_init is not None:
            self.apply(self.weight_init)
        if spectral_norm:
            apply_spectral_norm(self)

    def build(self, *args: Any, **kwargs: Any) -> tuple[nn.Module, int]:
        raise NotImplementedError

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features_of(images), labels)

    def logits_and_class_scores(
        self, images: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The logit for each image's own label and the scores of every label, from one pass
        through the feature layers."""
        features = self.features_of(images)
        return self.head(features, labels), self.head.class_scores(features)

    def features_of(self, images: torch.Tensor) -> torch.Tensor:
        features = self.features(images)
        if self.minibatch_std is not None:
            features = self.minibatch_std(features)
        return features
