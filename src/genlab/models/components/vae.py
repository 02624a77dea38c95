"""Convolutional VAE encoder and decoder, sized by resolution like the DCGAN."""

import torch
from torch import nn

from genlab.models.components.resolution import plan_resolution


class ConvEncoder(nn.Module):
    """Image -> (mu, log sigma^2) of a diagonal Gaussian posterior."""

    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int = 32) -> None:
        super().__init__()
        plan = plan_resolution(image_size, "vae")
        layers: list[nn.Module] = []
        w_in = channels
        for i in range(plan.doublings):
            w_out = width * 2**i
            layers += [nn.Conv2d(w_in, w_out, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
            w_in = w_out
        layers.append(nn.Flatten())
        self.features = nn.Sequential(*layers)
        self.to_stats = nn.Linear(w_in * plan.base**2, 2 * latent_dim)

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.to_stats(self.features(images)).chunk(2, dim=1)
        return mu, logvar


class ConvDecoder(nn.Module):
    """Latent -> per-pixel Bernoulli logits (the likelihood of the seed's ELBO)."""

    def __init__(self, latent_dim: int, channels: int, image_size: int, width: int = 32) -> None:
        super().__init__()
        plan = plan_resolution(image_size, "vae")
        self.base = plan.base
        self.top_width = width * 2 ** (plan.doublings - 1)
        self.from_latent = nn.Sequential(
            nn.Linear(latent_dim, self.top_width * plan.base**2), nn.ReLU(inplace=True)
        )
        layers: list[nn.Module] = []
        w_in = self.top_width
        for i in reversed(range(plan.doublings - 1)):
            w_out = width * 2**i
            layers += [nn.ConvTranspose2d(w_in, w_out, 4, 2, 1), nn.ReLU(inplace=True)]
            w_in = w_out
        layers.append(nn.ConvTranspose2d(w_in, channels, 4, 2, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        hidden = self.from_latent(z).view(z.shape[0], self.top_width, self.base, self.base)
        return self.net(hidden)
