"""What the MLP and DCGAN discriminators share around their own feature layers: the projection
head that gives the logit (and scores the label of a conditional one), the weight init, and
spectral norm on every layer when asked (Miyato et al. 2018)."""

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


class ProjectionDiscriminator(nn.Module):
    """Image -> features -> one logit, where each subclass builds the features in `build`.

    `num_classes` and `spectral_norm` are this class's arguments; every other one goes to
    `build`, which returns the feature layers and their output width. Building the features
    before the head keeps the order in which the weights draw from the RNG and the state-dict
    keys (`features.*`, `head.*`), so checkpoints and seeded runs are those of the networks
    written out in full.
    """

    head_bias = True
    weight_init: Callable[[nn.Module], None] | None = None  # applied before spectral norm

    def __init__(
        self, *args: Any, num_classes: int = 0, spectral_norm: bool = False, **kwargs: Any
    ) -> None:
        super().__init__()
        check_class_count(num_classes)
        self.spectral_norm = spectral_norm  # `build` may leave out BatchNorm for it
        self.features, width = self.build(*args, **kwargs)
        self.head = ProjectionHead(width, num_classes, bias=self.head_bias)
        if self.weight_init is not None:
            self.apply(self.weight_init)
        if spectral_norm:
            apply_spectral_norm(self)

    def build(self, *args: Any, **kwargs: Any) -> tuple[nn.Module, int]:
        raise NotImplementedError

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(images), labels)
