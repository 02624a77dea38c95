"""The seed's fully connected GAN, generalised to any image shape and optionally
class-conditional (see `conditioning.py`)."""

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from genlab.models.components.conditioning import LabelBatchNorm, generator_conditioning
from genlab.models.components.discriminator import ProjectionDiscriminator


class MLPGenerator(nn.Module):
    """Noise (+ label) -> hidden layers (Linear, BatchNorm, ReLU) -> tanh image in [-1, 1]."""

    def __init__(
        self,
        latent_dim: int,
        image_shape: Sequence[int],
        hidden_dims: Sequence[int] = (256, 512, 1024),
        conditioning: str = "cbn",
        **labels: Any,  # num_classes, label_dim: see generator_conditioning
    ) -> None:
        super().__init__()
        self.label, norm_classes = generator_conditioning(conditioning, **labels)
        self.image_shape = tuple(image_shape)
        widths = [latent_dim + self.label.width, *hidden_dims]
        self.linears = nn.ModuleList(
            nn.Linear(w_in, w_out) for w_in, w_out in zip(widths, widths[1:], strict=False)
        )
        self.norms = nn.ModuleList(LabelBatchNorm(w, norm_classes, dims=1) for w in hidden_dims)
        self.to_image = nn.Sequential(nn.Linear(widths[-1], math.prod(self.image_shape)), nn.Tanh())

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = self.label(z, labels)
        for linear, norm in zip(self.linears, self.norms, strict=True):
            x = torch.relu(norm(linear(x), labels))
        return self.to_image(x).view(z.shape[0], *self.image_shape)


class MLPDiscriminator(ProjectionDiscriminator):
    """Image -> hidden layers (Linear, LeakyReLU) -> one real/fake logit (+ the projection of a
    label, for a conditional one)."""

    def build(
        self, image_shape: Sequence[int], hidden_dims: Sequence[int] = (512, 256)
    ) -> tuple[nn.Module, int]:
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(image_shape)
        for hidden in hidden_dims:
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2, inplace=True)]
            width = hidden
        return nn.Sequential(*layers), width
