"""What the MLP and DCGAN discriminators share once their image features are built: the
projection head that gives the logit (and scores the label of a conditional one), and spectral
norm on every layer when asked (Miyato et al. 2018)."""

from collections.abc import Callable

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from genlab.models.components.conditioning import ProjectionHead, check_class_count


def apply_spectral_norm(network: nn.Module) -> nn.Module:
    """Divide every weight of `network` by its largest singular value, so each layer is
    1-Lipschitz: GAN training steadies without BatchNorm. Applied after the weights are
    initialised, since it reparametrises them."""
    for module in list(network.modules()):
        if isinstance(module, (nn.Conv2d, nn.Linear, nn.Embedding)):
            spectral_norm(module)
    return network


class ProjectionDiscriminator(nn.Module):
    """Image -> `features` (built by the subclass, `width` numbers per image) -> one logit.

    Subclasses build their layers first and hand them over, so every discriminator registers
    `features` then `head` in that order: state-dict keys and initial weights stay the same.
    """

    def __init__(
        self,
        features: nn.Module,
        width: int,
        num_classes: int,
        spectral_norm: bool,
        head_bias: bool = True,
        init: Callable[[nn.Module], None] | None = None,
    ) -> None:
        super().__init__()
        check_class_count(num_classes)
        self.features = features
        self.head = ProjectionHead(width, num_classes, bias=head_bias)
        if init is not None:
            self.apply(init)
        if spectral_norm:
            apply_spectral_norm(self)

    def forward(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.features(images), labels)
