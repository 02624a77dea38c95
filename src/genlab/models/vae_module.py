"""Variational autoencoder trained on the seed's ELBO: Bernoulli reconstruction + beta * KL.

Samples come from `prior`: `normal`, the N(0, I) the ELBO assumes, or `gmm`, a Gaussian mixture
fitted to the training split's posterior means after every validation and at the end of fit
(see `components/latent_mixture.py`). A conditional VAE gives its label to encoder and decoder.
"""

import math
from itertools import islice
from typing import Any

import torch
import torch.nn.functional as F

from genlab.models.base import GenerativeModule, at_least_float32
from genlab.models.choices import PRIORS, require_choices
from genlab.models.components.latent_mixture import LatentMixture
from genlab.utils import checks
from genlab.utils.eval_mode import eval_mode

MIXTURE_KEY = "latent_mixture"  # the checkpoint's entry for the fitted prior


class VAEModule(GenerativeModule):
    # Options without defaults: the schema holds them (genlab/schemas/models.py, VAEModuleConf).
    def __init__(
        self,
        encoder: dict[str, Any],
        decoder: dict[str, Any],
        latent_dim: int,
        beta: float,
        lr: float,
        name: str,
        prior: str,
        prior_components: int,
        prior_warm_start: bool,
        prior_tolerance: float,
        **conditioning: Any,  # conditional, num_classes, class_counts: GenerativeModule's
    ) -> None:
        super().__init__(latent_dim, **conditioning)
        require_choices("model.prior", [prior], PRIORS)
        checks.positive("model.lr", lr)
        checks.not_negative("model.beta", beta)
        checks.at_least("model.prior_components", prior_components, 1)
        checks.positive("model.prior_tolerance", prior_tolerance)
        self.save_hyperparameters(logger=False)  # genlab logs the whole config
        self.encoder = self.network(encoder, latent_dim=latent_dim)
        self.decoder = self.network(decoder, latent_dim=latent_dim)
        self.latent_density = LatentMixture(
            latent_dim, prior_components, warm_start=prior_warm_start, tolerance=prior_tolerance
        )
        self.density_step: int | None = None  # the global step whose weights it was fitted on

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        # The decoder gives Bernoulli logits over [0, 1] pixels; images live in [-1, 1].
        return torch.sigmoid(self.decoder(z, labels)) * 2 - 1

    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        if self.hparams.prior == "gmm":
            return self.latent_density.sample(n, generator).to(self.device)
        return super().sample_noise(n, generator)

    @torch.no_grad()
    def reconstruct(self, images: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Decode the posterior mean: what the VAE keeps of each image."""
        with eval_mode(self):
            labels = self.labels_for(len(images), labels)
            mu, _ = self.encoder(images.to(self.device), labels)
            return self(mu, labels)

    def elbo_terms(
        self, images: torch.Tensor, labels: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Per-image reconstruction NLL and KL, each summed over its dimensions; the sums at
        least in float32 also under bf16 autocast, where only the networks run in bf16."""
        mu, logvar = (at_least_float32(t) for t in self.encoder(images, labels))
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        logits = at_least_float32(self.decoder(z, labels))
        targets = (images + 1) / 2
        recon = F.binary_cross_entropy_with_logits(logits, targets, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        n = images.shape[0]
        recon, kl = recon / n, kl / n
        return {"loss": recon + self.hparams.beta * kl, "recon": recon, "kl": kl}

    def training_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int
    ) -> dict[str, torch.Tensor]:
        terms = self.elbo_terms(*self.images_and_labels(batch))
        self.loss_log.step(self, terms, batch_idx)
        return terms  # "loss" is optimised; StopOnDivergence reads all of them

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        terms = self.elbo_terms(*self.images_and_labels(batch))
        self.log_dict({f"val/{k}": v for k, v in terms.items()}, prog_bar=True, sync_dist=True)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr, fused=True)

    # -- the ex-post latent density ---------------------------------------------------------

    @torch.no_grad()
    def fit_latent_density(self) -> None:
        """Fit the mixture to the posterior means of the training images (all ranks' shares):
        the batches training uses, so `limit_train_batches` limits the fit as it limits training."""
        limit = self.trainer.num_training_batches
        batches = islice(self.trainer.train_dataloader, None if math.isinf(limit) else int(limit))
        means = []
        with eval_mode(self):
            for batch in batches:
                images, labels = self.images_and_labels(batch)
                labels = None if labels is None else labels.to(self.device)
                means.append(self.encoder(images.to(self.device), labels)[0])
        codes = torch.cat(means)
        if self.trainer.world_size > 1:
            codes = self.all_gather(codes).flatten(0, 1)
        self.latent_density.fit(codes)
        self.density_step = self.trainer.global_step

    def on_validation_epoch_start(self) -> None:
        # Lightning calls callbacks first: an EMA callback has already swapped in the averaged
        # weights, so the mixture fits the encoder that validation and checkpoints use.
        if self.hparams.prior == "gmm" and not self.trainer.sanity_checking:
            self.fit_latent_density()

    def on_train_end(self) -> None:
        # After callbacks, so after an EMA callback copied the averaged weights in. A fit that
        # ended with a validation has fitted these very weights already (no step since).
        if self.hparams.prior == "gmm" and self.density_step != self.trainer.global_step:
            self.fit_latent_density()

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_save_checkpoint(checkpoint)
        # Beside the state_dict, not in it: an EMA callback replaces the state_dict by its
        # averaged copy's, whose mixture was never fitted; the live one was fitted on those same
        # averaged weights during validation.
        checkpoint[MIXTURE_KEY] = self.latent_density.state()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_load_checkpoint(checkpoint)
        state = checkpoint.get(MIXTURE_KEY, {})
        # Checkpoints written before 2026-12-05 kept the fit inside the state_dict, under the
        # mixture's name (it has no parameters or buffers, so nothing else is there).
        for weights in ("state_dict", "current_model_state"):
            for key in [k for k in checkpoint.get(weights, {}) if k.startswith("latent_density.")]:
                state = checkpoint[weights].pop(key)
        self.latent_density.load_state(state)
