"""GAN training (the seed's two-step recipe) with Lightning's manual optimization.

Each batch: one discriminator step on real and fake images, then one generator step with the
non-saturating loss -log D(G(z)). The same module trains the MLP GAN and the DCGAN; the
networks come from the config.
"""

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from hydra.utils import instantiate

from genlab.models.base import GenerativeModule


class GANModule(GenerativeModule):
    def __init__(
        self,
        generator: dict[str, Any],
        discriminator: dict[str, Any],
        latent_dim: int = 100,
        lr: float = 2e-4,
        betas: Sequence[float] = (0.5, 0.999),
        name: str = "gan",
    ) -> None:
        super().__init__()
        # Network configs (plain dicts with `_target_`) are saved, so a checkpoint rebuilds them.
        self.save_hyperparameters(logger=False)  # genlab logs the whole config
        self.automatic_optimization = False
        self.latent_dim = latent_dim
        self.generator = instantiate(generator, latent_dim=latent_dim)
        self.discriminator = instantiate(discriminator)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z)

    def _discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        return F.binary_cross_entropy_with_logits(
            real_logits, torch.ones_like(real_logits)
        ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))

    def _generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        fake_logits = self.discriminator(fake)
        return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        real, _ = batch
        opt_g, opt_d = self.optimizers()
        fake = self.generator(self.sample_noise(real.shape[0]))

        self.toggle_optimizer(opt_d)
        d_loss = self._discriminator_loss(real, fake.detach())
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(d_loss)
        opt_d.step()
        self.untoggle_optimizer(opt_d)

        self.toggle_optimizer(opt_g)
        g_loss = self._generator_loss(fake)
        opt_g.zero_grad(set_to_none=True)
        self.manual_backward(g_loss)
        opt_g.step()
        self.untoggle_optimizer(opt_g)

        self.log_train_losses({"d_loss": d_loss, "g_loss": g_loss})

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        real, _ = batch
        fake = self.generator(self.sample_noise(real.shape[0]))
        self.log_dict(
            {
                "val/d_loss": self._discriminator_loss(real, fake),
                "val/g_loss": self._generator_loss(fake),
            },
            sync_dist=True,
        )

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        betas = tuple(self.hparams.betas)
        return [
            torch.optim.Adam(self.generator.parameters(), lr=self.hparams.lr, betas=betas),
            torch.optim.Adam(self.discriminator.parameters(), lr=self.hparams.lr, betas=betas),
        ]
