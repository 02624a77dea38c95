"""Flow matching (rectified flow: Lipman et al. 2023, Liu et al. 2023): a velocity field
v(x_t, t) learns the straight path x_t = (1 - t) z + t x from noise z to an image x by
regressing on x - z (independent conditional flow matching, sigma 0, as atong01's
`ConditionalFlowMatcher`); samples integrate dx/dt = v from z at t = 0 to t = 1.

The options, each measured in QUALITY.md:
- `time_sampling`: t uniform, or logit-normal (sigmoid of a standard normal, Esser et al.
  2024), which trains the middle of the path more, where the velocity is hardest to tell;
- `solver`, `sampling_steps`: a fixed-step solve, unrolled in `forward`, so `torch.export` takes
  the whole sampler as one graph (the logged `pt2` model). Euler makes one velocity evaluation
  per step, midpoint and Heun two;
- `sampling_precision`: the solve under bf16 autocast ("bf16-mixed") or in float32 ("32-true").
  The state x stays float32 and only the velocity evaluations run in bf16, so the rounding does
  not accumulate over the steps; the exported `pt2` sampler is the float32 `forward`;
- `conditional`: a label embedding added to the time embedding; training replaces a label by the
  null label with probability `label_dropout`, so the same network also gives the unconditional
  velocity, and sampling mixes the two: v_null + guidance * (v_label - v_null) (classifier-free
  guidance, Ho & Salimans 2021). `guidance` 1 is the plain conditional velocity (one
  evaluation), 0 the unconditional one; any other value evaluates both in one batch.
"""

from typing import Any

import torch
import torch.nn.functional as F

from genlab.models.base import GenerativeModule, at_least_float32
from genlab.models.choices import (
    SAMPLING_PRECISIONS,
    SOLVERS,
    TIME_SAMPLINGS,
    require_choices,
)
from genlab.utils import checks
from genlab.utils.errors import GenlabError

# Velocity evaluations per solver step.
EVALUATIONS = {"euler": 1, "midpoint": 2, "heun": 2}


class FlowModule(GenerativeModule):
    def __init__(
        self,
        velocity: dict[str, Any],
        name: str,
        lr: float,
        betas: list[float],
        weight_decay: float,
        time_sampling: str,
        solver: str,
        sampling_steps: int,
        sampling_precision: str,
        guidance: float,
        label_dropout: float,
        **conditioning: Any,  # conditional, num_classes, class_counts: GenerativeModule's
    ) -> None:
        if (conditioning.get("self_conditioning") or {}).get("clusters"):
            raise GenlabError(
                "model.self_conditioning.clusters must be 0 for model=flow: the flow model is "
                "conditioned on classes (model.conditional=true) or on nothing"
            )
        conditioning.pop("self_conditioning", None)
        conditioning.pop("train_images", None)
        shape = (
            int(velocity["channels"]),
            int(velocity["image_size"]),
            int(velocity["image_size"]),
        )
        super().__init__(shape[0] * shape[1] * shape[2], **conditioning)
        require_choices("model.time_sampling", [time_sampling], TIME_SAMPLINGS)
        require_choices("model.solver", [solver], SOLVERS)
        require_choices("model.sampling_precision", [sampling_precision], SAMPLING_PRECISIONS)
        checks.positive("model.lr", lr)
        checks.not_negative("model.weight_decay", weight_decay)
        checks.at_least("model.sampling_steps", sampling_steps, 1)
        checks.not_negative("model.guidance", guidance)
        checks.fraction("model.label_dropout", label_dropout, closed=False)
        self.save_hyperparameters(logger=False)  # genlab logs the whole config
        self.image_shape = shape
        self.velocity = self.network(velocity)

    # -- training ----------------------------------------------------------------------------

    def sample_times(self, n: int) -> torch.Tensor:
        if self.hparams.time_sampling == "logit_normal":
            return torch.sigmoid(torch.randn(n, device=self.device))
        return torch.rand(n, device=self.device)

    def drop_labels(self, labels: torch.Tensor | None) -> torch.Tensor | None:
        """Each label replaced by the null label with probability `label_dropout` (training)."""
        if labels is None or not self.hparams.label_dropout:
            return labels
        drop = torch.rand(labels.shape, device=labels.device) < self.hparams.label_dropout
        return torch.where(drop, torch.full_like(labels, self.num_classes), labels)

    def flow_loss(
        self,
        images: torch.Tensor,
        labels: torch.Tensor | None = None,
        z: torch.Tensor | None = None,
        t: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Mean squared error of v(x_t, t) against x - z, over every pixel (noise `z` and times
        `t` drawn unless given); at least in float32 also under bf16 autocast."""
        z = torch.randn_like(images) if z is None else z
        t = self.sample_times(images.shape[0]) if t is None else t
        tt = t.view(-1, 1, 1, 1)
        x_t = (1 - tt) * z + tt * images
        v = at_least_float32(self.velocity(x_t, t, labels))
        return F.mse_loss(v, (images - z).to(v.dtype))

    def training_step(
        self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int
    ) -> dict[str, torch.Tensor]:
        images, labels = self.images_and_labels(batch)
        terms = {"loss": self.flow_loss(images, self.drop_labels(labels))}
        self.loss_log.step(self, terms, batch_idx)
        return terms

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        images, labels = self.images_and_labels(batch)
        self.log("val/loss", self.flow_loss(images, labels), prog_bar=True, sync_dist=True)

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.AdamW(
            self.parameters(),
            lr=self.hparams.lr,
            betas=tuple(self.hparams.betas),
            weight_decay=self.hparams.weight_decay,
        )

    # -- sampling ----------------------------------------------------------------------------

    def guided_velocity(
        self, x: torch.Tensor, t: float, labels: torch.Tensor | None
    ) -> torch.Tensor:
        """v(x, t) for the requested labels, with classifier-free guidance (in x's dtype)."""
        times = x.new_full((x.shape[0],), t)
        w = self.hparams.guidance
        if labels is None or w == 1:
            return self.velocity(x, times, labels).to(x.dtype)
        null = torch.full_like(labels, self.num_classes)
        if w == 0:
            return self.velocity(x, times, null).to(x.dtype)
        both = self.velocity(
            torch.cat([x, x]), torch.cat([times, times]), torch.cat([labels, null])
        ).to(x.dtype)
        cond, uncond = both.chunk(2)
        return uncond + w * (cond - uncond)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Every sampler (validation's FID, evaluation, grids) goes through here, so all of
        them solve in `sampling_precision`."""
        bf16 = self.hparams.sampling_precision == "bf16-mixed"
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=bf16):
            return super().generate(z, labels)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = z.reshape(-1, *self.image_shape)
        steps = self.hparams.sampling_steps
        h = 1.0 / steps
        for i in range(steps):  # a Python loop: torch.export unrolls it into one graph
            t = i * h
            v = self.guided_velocity(x, t, labels)
            if self.hparams.solver == "midpoint":
                v = self.guided_velocity(x + 0.5 * h * v, t + 0.5 * h, labels)
            elif self.hparams.solver == "heun":
                v = 0.5 * (v + self.guided_velocity(x + h * v, t + h, labels))
            x = x + h * v
        return x.clamp(-1, 1)
