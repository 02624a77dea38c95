"""Variational autoencoder trained on the seed's ELBO: Bernoulli reconstruction + beta * KL."""

from typing import Any

import torch
import torch.nn.functional as F
from hydra.utils import instantiate

from genlab.models.base import GenerativeModule


class VAEModule(GenerativeModule):
    def __init__(
        self,
        encoder: dict[str, Any],
        decoder: dict[str, Any],
        latent_dim: int = 16,
        beta: float = 1.0,
        lr: float = 1e-3,
        name: str = "vae",
    ) -> None:
        super().__init__()
        self.save_hyperparameters(logger=False)  # genlab logs the whole config
        self.latent_dim = latent_dim
        self.encoder = instantiate(encoder, latent_dim=latent_dim)
        self.decoder = instantiate(decoder, latent_dim=latent_dim)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        # The decoder gives Bernoulli logits over [0, 1] pixels; images live in [-1, 1].
        return torch.sigmoid(self.decoder(z)) * 2 - 1

    @torch.no_grad()
    def reconstruct(self, images: torch.Tensor) -> torch.Tensor:
        """Decode the posterior mean: what the VAE keeps of each image."""
        was_training = self.training
        self.eval()
        try:
            mu, _ = self.encoder(images.to(self.device))
            return self(mu)
        finally:
            self.train(was_training)

    def elbo_terms(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-image reconstruction NLL and KL, each summed over its dimensions."""
        mu, logvar = self.encoder(images)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = self.decoder(z)
        targets = (images + 1) / 2
        recon = F.binary_cross_entropy_with_logits(logits, targets, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        n = images.shape[0]
        recon, kl = recon / n, kl / n
        return {"loss": recon + self.hparams.beta * kl, "recon": recon, "kl": kl}

    def training_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int
    ) -> torch.Tensor:
        terms = self.elbo_terms(batch[0])
        self.log_train_losses(terms)
        return terms["loss"]

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        terms = self.elbo_terms(batch[0])
        self.log_dict({f"val/{k}": v for k, v in terms.items()}, prog_bar=True, sync_dist=True)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
