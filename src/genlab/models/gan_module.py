"""GAN training with Lightning's manual optimization; the MLP GAN and the DCGAN share it, the
networks come from the config.

Each batch: one discriminator step on real and generated images, then one generator step. The
options, each measured in QUALITY.md before it became a default:
- `loss`: `bce` (the non-saturating loss, -log D(G(z)) for G) or `hinge`;
- `lr_d`: the discriminator's own learning rate (two time-scale updates, Heusel et al. 2017);
- `augment`: DiffAugment on every discriminator input, real and generated, in both steps;
- `conditional`: a class label for G, a projection head in D; generated images are asked for
  the labels of the real batch, so the classes keep the data's frequencies;
- `self_conditioning`: the same, with cluster ids of the training images for labels
  (`components/clusters.py`), for data without labels.
"""

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from genlab.models.base import GenerativeModule, at_least_float32
from genlab.models.choices import LOSSES, require_choices
from genlab.models.components.diffaugment import DiffAugment


def discriminator_loss(loss: str, real_logits: torch.Tensor, fake_logits: torch.Tensor):
    """D pushes real logits up and generated ones down (at least in float32, also under bf16
    autocast)."""
    real_logits, fake_logits = at_least_float32(real_logits), at_least_float32(fake_logits)
    if loss == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    return F.binary_cross_entropy_with_logits(
        real_logits, torch.ones_like(real_logits)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def generator_loss(loss: str, fake_logits: torch.Tensor) -> torch.Tensor:
    """G pushes the logits of its images up: -D(G(z)) (hinge) or -log D(G(z)) (bce)."""
    fake_logits = at_least_float32(fake_logits)
    if loss == "hinge":
        return -fake_logits.mean()
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


class GANModule(GenerativeModule):
    # Each step updates one network: DDP must look for the other's unused parameters.
    ddp_find_unused_parameters = True

    def __init__(
        self,
        generator: dict[str, Any],
        discriminator: dict[str, Any],
        latent_dim: int = 100,
        lr: float = 2e-4,
        betas: Sequence[float] = (0.5, 0.999),
        name: str = "gan",
        lr_d: float | None = None,
        loss: str = "bce",
        augment: dict[str, Any] | None = None,
        **conditioning: Any,  # conditional, num_classes, class_counts, self_conditioning: base
    ) -> None:
        super().__init__(latent_dim, **conditioning)
        require_choices("model.loss", [loss], LOSSES)
        # Network configs (plain dicts with `_target_`) are saved, so a checkpoint rebuilds them.
        self.save_hyperparameters(logger=False)  # genlab logs the whole config
        self.automatic_optimization = False
        self.loss = loss
        self.generator = self.network(generator, latent_dim=latent_dim)
        self.discriminator = self.network(discriminator)
        policy = (augment or {}).get("policy") or []
        self.augment: nn.Module = DiffAugment(**augment) if policy else nn.Identity()

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z, labels)

    def discriminate(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """D's logits for (augmented) images: the only way images reach D, in every step."""
        return self.discriminator(self.augment(images), labels)

    def _discriminator_loss(
        self, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        real_logits = self.discriminate(real, labels)
        fake_logits = self.discriminate(fake, labels)
        return discriminator_loss(self.loss, real_logits, fake_logits)

    def _generator_loss(self, fake: torch.Tensor, labels: torch.Tensor | None = None):
        return generator_loss(self.loss, self.discriminate(fake, labels))

    def training_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int
    ) -> dict[str, torch.Tensor]:
        real, labels = self.images_and_labels(batch)
        opt_g, opt_d = self.optimizers()
        fake = self.generator(self.sample_noise(real.shape[0]), labels)

        self.toggle_optimizer(opt_d)
        d_loss = self._discriminator_loss(real, fake.detach(), labels)
        opt_d.zero_grad(set_to_none=True)
        self.manual_backward(d_loss)
        opt_d.step()
        self.untoggle_optimizer(opt_d)

        self.toggle_optimizer(opt_g)
        g_loss = self._generator_loss(fake, labels)
        opt_g.zero_grad(set_to_none=True)
        self.manual_backward(g_loss)
        opt_g.step()
        self.untoggle_optimizer(opt_g)

        losses = {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}
        self.loss_log.step(self, losses)
        return losses  # StopOnDivergence reads them in on_train_batch_end

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        real, labels = self.images_and_labels(batch)
        fake = self.generator(self.sample_noise(real.shape[0]), labels)
        self.log_dict(
            {
                "val/d_loss": self._discriminator_loss(real, fake, labels),
                "val/g_loss": self._generator_loss(fake, labels),
            },
            sync_dist=True,
        )

    def configure_optimizers(self) -> list[torch.optim.Optimizer]:
        betas = tuple(self.hparams.betas)
        lr_d = self.hparams.lr_d or self.hparams.lr
        # fused: one kernel updates all of a network's parameters (benchmarks/step_cpu.py)
        return [
            torch.optim.Adam(
                self.generator.parameters(), lr=self.hparams.lr, betas=betas, fused=True
            ),
            torch.optim.Adam(self.discriminator.parameters(), lr=lr_d, betas=betas, fused=True),
        ]
