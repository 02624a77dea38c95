"""GAN training with Lightning's manual optimization; the MLP GAN and the DCGAN share it, the
networks come from the config.

Each batch: one discriminator step on real and generated images, then one generator step. The
options, each a named technique measured in QUALITY.md (options measured as no gain that no
recipe used, a learning-rate decay, top-k generator updates and a class-loss schedule, were
removed after ca7569a, which reproduces their rows):
- `loss`: `bce` (non-saturating), `hinge` or `rpgan` (relativistic pairing): gan_losses.py;
- `lr_d`: the discriminator's own learning rate (two time-scale updates, Heusel et al. 2017);
- `augment`: DiffAugment on every discriminator input, real and generated, in both steps;
- `conditional`: a class label for G, a projection head in D; generated images are asked for
  the labels of the real batch, so the classes keep the data's frequencies;
- `self_conditioning`: the same, with cluster ids of the training images for labels
  (`components/clusters.py`), for data without labels;
- `class_loss_weight`: with labels, D also learns to tell the label of a real image from its
  own projection scores (a softmax over every label's logit), and G to make images whose label
  D tells; the data term and this label term share D's class embeddings (Han et al. 2021,
  "Dual Projection GANs"). Only D's own scores: the evaluator never enters a loss.
  `class_loss_weight_g` weighs G's side apart (null: the same; 0: D classifies, G is not asked);
- `r1_gamma`: D's gradient on real images is penalised, gamma/2 * ||grad_x D(x)||^2 (Mescheder
  et al. 2018, "Which Training Methods for GANs do actually Converge?"), so D stays flat on
  the data and G is not pushed past it. `r1_every` > 1 adds it only to every n-th D step,
  weighted n times (lazy regularisation, Karras et al. 2020, "Analyzing and Improving the
  Image Quality of StyleGAN"): its second backward pass is most of R1's cost;
- `pack`: PacGAN (Lin et al. 2018, "PacGAN: The power of two samples in generative adversarial
  networks"): D judges `pack` images at once, stacked on the channel axis, all real or all
  generated, so a G that repeats itself makes packs that D tells from real ones. The batch is
  packed as it comes (the loader shuffles, the noise is drawn independently), so D sees
  batch / pack inputs: a cheaper D step on fewer inputs. PacGAN's own setting keeps D's input
  count: `data.batch_size` times pack. R1 and R2 stay the penalty on D's input: the squared
  gradient norm summed over a pack, averaged over packs.
"""

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from genlab.models.base import GenerativeModule, at_least_float32
from genlab.models.choices import LOSSES, require_choices
from genlab.models.components.diffaugment import DiffAugment
from genlab.models.gan_losses import discriminator_loss, generator_loss, gradient_penalty
from genlab.utils import checks
from genlab.utils.errors import GenlabError


class GANModule(GenerativeModule):
    # Each step updates one network: DDP must look for the other's unused parameters.
    ddp_find_unused_parameters = True
    optimizer_steps_per_batch = 2

    def __init__(
        self,
        generator: dict[str, Any],
        discriminator: dict[str, Any],
        lr: float,
        betas: Sequence[float],
        lr_d: float | None,
        loss: str,
        augment: dict[str, Any] | None,
        class_loss_weight: float,
        class_loss_weight_g: float | None,
        r1_gamma: float,
        r1_every: int,
        r2_gamma: float,
        pack: int,
        **common: Any,  # latent_dim, conditional, self_conditioning...: GenerativeModule's
    ) -> None:
        # `name` (the recipe's) is only recorded, in the hyperparameters a checkpoint keeps.
        super().__init__(**{key: value for key, value in common.items() if key != "name"})
        require_choices("model.loss", [loss], LOSSES)
        checks.positive("model.lr", lr)
        checks.positive("model.lr_d", lr_d, allow_none=True)
        checks.not_negative("model.class_loss_weight", class_loss_weight)
        checks.not_negative("model.r1_gamma", r1_gamma)
        checks.at_least("model.r1_every", r1_every, 1)
        checks.not_negative("model.r2_gamma", r2_gamma)
        checks.at_least("model.pack", pack, 1)
        if pack > 1 and self.label_count:
            raise GenlabError(
                f"model.pack={pack} packs images of different labels into one discriminator "
                "input: it needs model.conditional=false and model.self_conditioning.clusters=0"
            )
        if class_loss_weight_g is not None:
            checks.not_negative("model.class_loss_weight_g", class_loss_weight_g)
        self.class_loss_weights = {
            "discriminator": class_loss_weight,
            "generator": class_loss_weight if class_loss_weight_g is None else class_loss_weight_g,
        }
        if any(self.class_loss_weights.values()) and not self.label_count:
            raise GenlabError(
                f"model.class_loss_weight={class_loss_weight} (model.class_loss_weight_g="
                f"{class_loss_weight_g}) needs labels to classify: set model.conditional=true or "
                "model.self_conditioning.clusters > 0, or leave both at 0"
            )
        # Network configs (plain dicts with `_target_`) are saved, so a checkpoint rebuilds them.
        self.save_hyperparameters(logger=False)  # genlab logs the whole config
        self.automatic_optimization = False
        self.loss = loss
        self.generator = self.network(generator, latent_dim=self.latent_dim)
        self.discriminator = self.network(packed_input(discriminator, pack))
        policy = (augment or {}).get("policy") or []
        self.augment: nn.Module = DiffAugment(**augment) if policy else nn.Identity()

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.generator(z, labels)

    def discriminate(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """D's logits for (augmented, packed) images: with `judge`, the only ways images reach
        D. One logit per pack of `pack` images."""
        return self.discriminator(self.pack(self.augment(images)), labels)

    def pack(self, images: torch.Tensor) -> torch.Tensor:
        """Each `pack` consecutive images as one input of `pack` x channels; a batch that does
        not divide leaves its last images out."""
        m = self.hparams.pack
        if m == 1:
            return images
        n, channels, *size = images.shape
        return images[: n // m * m].reshape(n // m, m * channels, *size)

    def judge(
        self, images: torch.Tensor, labels: torch.Tensor | None, network: str
    ) -> tuple[torch.Tensor, torch.Tensor | float]:
        """D's logits, and the cross-entropy of D's label scores against `labels`, weighted for
        the `network` ("discriminator" or "generator") whose loss it joins (0 with the weight
        off, and then D runs exactly as `discriminate`)."""
        weight = self.class_loss_weights[network]
        if not weight:
            return self.discriminate(images, labels), 0.0
        logits, scores = self.discriminator.logits_and_class_scores(
            self.pack(self.augment(images)), labels
        )
        return logits, weight * F.cross_entropy(at_least_float32(scores), labels)

    @property
    def batches_trained(self) -> int:
        """The batches (D and G step pairs) trained so far in all epochs, resumed ones included:
        the Trainer's global step counts both optimizers' steps."""
        return self.global_step // self.optimizer_steps_per_batch

    def _discriminator_loss(
        self, real: torch.Tensor, fake: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """D classifies real images only: classifying generated ones would reward G for images
        that are merely easy to label (the AC-GAN's loss of diversity). R1 (on real images) and
        R2 (on generated ones, R3GAN's pair) need a gradient, so validation (under no_grad)
        leaves them out."""
        step, grad = self.batches_trained, torch.is_grad_enabled()
        gamma = self.r1_weight(step) if grad else 0.0
        gamma_r2 = self.r1_weight(step, self.hparams.r2_gamma) if grad else 0.0
        real = real.detach().requires_grad_(True) if gamma else real
        fake = fake.detach().requires_grad_(True) if gamma_r2 else fake
        real_logits, class_loss = self.judge(real, labels, "discriminator")
        fake_logits = self.discriminate(fake, labels)
        loss = discriminator_loss(self.loss, real_logits, fake_logits) + class_loss
        if gamma:
            loss = loss + self.r1_penalty(real, real_logits, gamma)
        if gamma_r2:
            loss = loss + gradient_penalty(fake, fake_logits, gamma_r2)
        return loss

    def r1_weight(self, d_step: int, gamma: float | None = None) -> float:
        """R1's gamma (or R2's, `gamma`: the same schedule) in the `d_step`-th discriminator step
        (from 0): gamma x r1_every in every r1_every-th step, 0 in the others, so that its
        weight per step is gamma on average."""
        every, gamma = self.hparams.r1_every, self.hparams.r1_gamma if gamma is None else gamma
        return gamma * every if d_step % every == 0 else 0.0

    def r1_penalty(
        self, real: torch.Tensor, real_logits: torch.Tensor, gamma: float
    ) -> torch.Tensor:
        return gradient_penalty(real, real_logits, gamma)

    def _generator_loss(
        self,
        fake: torch.Tensor,
        labels: torch.Tensor | None = None,
        real: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """G's loss; `rpgan` pairs each generated image with the real one at its place, whose
        logit is a constant for G (no graph kept)."""
        logits, class_loss = self.judge(fake, labels, "generator")
        real_logits = None
        if self.loss == "rpgan":
            with torch.no_grad():
                real_logits = self.discriminate(real, labels)
        return generator_loss(self.loss, logits, real_logits) + class_loss

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
        g_loss = self._generator_loss(fake, labels, real)
        opt_g.zero_grad(set_to_none=True)
        self.manual_backward(g_loss)
        opt_g.step()
        self.untoggle_optimizer(opt_g)

        losses = {"d_loss": d_loss.detach(), "g_loss": g_loss.detach()}
        self.loss_log.step(self, losses, batch_idx)
        return losses  # StopOnDivergence reads them in on_train_batch_end

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        real, labels = self.images_and_labels(batch)
        fake = self.generator(self.sample_noise(real.shape[0]), labels)
        self.log_dict(
            {
                "val/d_loss": self._discriminator_loss(real, fake, labels),
                "val/g_loss": self._generator_loss(fake, labels, real),
            },
            sync_dist=True,
        )

    def configure_optimizers(self) -> Any:
        betas = tuple(self.hparams.betas)
        lr_d = self.hparams.lr_d or self.hparams.lr
        # fused: one kernel updates all of a network's parameters (benchmarks/step_cpu.py)
        optimizers = [
            torch.optim.Adam(
                self.generator.parameters(), lr=self.hparams.lr, betas=betas, fused=True
            ),
            torch.optim.Adam(self.discriminator.parameters(), lr=lr_d, betas=betas, fused=True),
        ]
        return optimizers


def packed_input(discriminator: dict[str, Any], pack: int) -> dict[str, Any]:
    """D's network config for inputs of `pack` images stacked on the channel axis."""
    if pack == 1:
        return discriminator
    if "channels" in discriminator:  # the convolutional discriminators
        return {**discriminator, "channels": int(discriminator["channels"]) * pack}
    channels, *size = discriminator["image_shape"]  # the MLP discriminator
    return {**discriminator, "image_shape": [int(channels) * pack, *size]}
