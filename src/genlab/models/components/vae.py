"""Convolutional VAE encoder and decoder, sized by resolution like the DCGAN. With
`num_classes > 0` both take a label embedding (a conditional VAE, Sohn et al. 2015): the
encoder then only has to code what the label does not say, and the decoder draws the asked
class."""

from typing import Any

import torch
from torch import nn

from genlab.models.components.conditioning import LabelConcat
from genlab.models.components.resolution import plan_resolution


class VAENetwork(nn.Module):
    """What the encoder and the decoder share: their arguments, the resolution plan, and the
    label embedding of a conditional VAE. Each builds its layers in `build`."""

    def __init__(
        self,
        latent_dim: int,
        channels: int,
        image_size: int,
        width: int = 32,
        **labels: Any,  # num_classes, label_dim: see LabelConcat
    ) -> None:
        super().__init__()
        self.plan = plan_resolution(image_size, "vae")
        self.label = LabelConcat(**labels)
        self.build(latent_dim, channels, width)

    def build(self, latent_dim: int, channels: int, width: int) -> None:
        raise NotImplementedError


class ConvEncoder(VAENetwork):
    """Image (+ label) -> (mu, log sigma^2) of a diagonal Gaussian posterior."""

    def build(self, latent_dim: int, channels: int, width: int) -> None:
        layers: list[nn.Module] = []
        w_in = channels
        for i in range(self.plan.doublings):
            w_out = width * 2**i
            layers += [nn.Conv2d(w_in, w_out, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
            w_in = w_out
        layers.append(nn.Flatten())
        self.features = nn.Sequential(*layers)
        self.to_stats = nn.Linear(w_in * self.plan.base**2 + self.label.width, 2 * latent_dim)

    def forward(
        self, images: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.label(self.features(images), labels)
        mu, logvar = self.to_stats(features).chunk(2, dim=1)
        return mu, logvar


class ConvDecoder(VAENetwork):
    """Latent (+ label) -> per-pixel Bernoulli logits (the likelihood of the seed's ELBO)."""

    def build(self, latent_dim: int, channels: int, width: int) -> None:
        base, doublings = self.plan.base, self.plan.doublings
        self.top_width = width * 2 ** (doublings - 1)
        self.from_latent = nn.Sequential(
            nn.Linear(latent_dim + self.label.width, self.top_width * base**2),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        w_in = self.top_width
        for i in reversed(range(doublings - 1)):
            w_out = width * 2**i
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1), nn.ReLU(inplace=True)]
            w_in = w_out
        layers.append(nn.ConvTranspose2d(w_in, channels, 4, 2, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        hidden = self.from_latent(self.label(z, labels))
        base = self.plan.base
        return self.net(hidden.view(z.shape[0], self.top_width, base, base))
