"""The seed's fully connected GAN, generalised to any image shape."""

import math
from collections.abc import Sequence

import torch
from torch import nn


class MLPGenerator(nn.Module):
    """Noise -> hidden layers (Linear, BatchNorm, ReLU) -> tanh image in [-1, 1]."""

    def __init__(
        self,
        latent_dim: int,
        image_shape: Sequence[int],
        hidden_dims: Sequence[int] = (256, 512, 1024),
    ) -> None:
        super().__init__()
        self.image_shape = tuple(image_shape)
        layers: list[nn.Module] = []
        width = latent_dim
        for hidden in hidden_dims:
            layers += [nn.Linear(width, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True)]
            width = hidden
        layers += [nn.Linear(width, math.prod(self.image_shape)), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.image_shape)


class MLPDiscriminator(nn.Module):
    """Image -> hidden layers (Linear, LeakyReLU) -> one real/fake logit."""

    def __init__(self, image_shape: Sequence[int], hidden_dims: Sequence[int] = (512, 256)) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(image_shape)
        for hidden in hidden_dims:
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2, inplace=True)]
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images).view(-1)
