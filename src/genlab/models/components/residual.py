"""R3GAN's normalization-free residual generator and discriminator (Huang et al. 2024), sized by
resolution and, with `num_classes > 0`, class-conditional: G appends a label embedding to z
(as R3GAN does), D scores the label with the projection head the other genlab discriminators
share.

Both walk the same ladder as the DCGAN (`plan_resolution`): a stage per resolution from the
base map (4x4, or 7x7 for 28 px) to the image, `blocks` residual blocks in each, `width`
channels at the image's resolution, doubling with each halving of the side.
"""

import torch
from torch import nn

from genlab.models.components.conditioning import LabelConcat
from genlab.models.components.discriminator import ProjectionDiscriminator
from genlab.models.components.residual_blocks import (
    DiscriminativeBasis,
    GenerativeBasis,
    Resample,
    ResidualBlock,
    msr_init,
)
from genlab.models.components.resolution import ResolutionPlan, plan_resolution
from genlab.utils import checks


def stage_widths(plan: ResolutionPlan, width: int) -> list[int]:
    """The channels of each stage, from the base map up to the image."""
    return [width * 2**i for i in reversed(range(plan.doublings + 1))]


def check_shape(network: str, width: int, blocks: int, expansion: int, group_width: int) -> None:
    checks.at_least(f"model.{network}.width", width, 1)
    checks.at_least(f"model.{network}.blocks", blocks, 0)
    checks.at_least(f"model.{network}.expansion", expansion, 1)
    checks.at_least(f"model.{network}.group_width", group_width, 1)


class ResidualGenerator(nn.Module):
    def __init__(
        self,
        latent_dim: int,
        channels: int,
        image_size: int,
        width: int,
        blocks: int,
        expansion: int,
        group_width: int,
        label_dim: int,
        num_classes: int = 0,  # set by the module when the model is conditional
    ) -> None:
        super().__init__()
        check_shape("generator", width, blocks, expansion, group_width)
        self.label = LabelConcat(num_classes, label_dim)
        plan = plan_resolution(image_size, "r3gan")
        widths = stage_widths(plan, width)
        depth = max(blocks * len(widths), 1)
        layers: list[nn.Module] = [
            GenerativeBasis(latent_dim + self.label.width, widths[0], plan.base)
        ]
        for i, w in enumerate(widths):
            if i:
                layers.append(Resample(widths[i - 1], w, up=True))
            layers += [ResidualBlock(w, expansion, group_width, depth) for _ in range(blocks)]
        self.body = nn.Sequential(*layers)
        self.to_image = nn.Conv2d(widths[-1], channels, 1, bias=False)
        msr_init(self.to_image)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        # tanh: genlab's images lie in [-1, 1] (R3GAN leaves its output unbounded)
        return torch.tanh(self.to_image(self.body(self.label(z, labels))))


class ResidualDiscriminator(ProjectionDiscriminator):
    """The generator's ladder walked down: a 1x1 convolution from the image, then at each
    resolution `blocks` residual blocks and a low-pass halving, and at the base a depthwise
    basis that gives the features the projection head scores."""

    head_bias = False  # R3GAN's last linear layer has none

    def build(
        self,
        channels: int,
        image_size: int,
        width: int,
        blocks: int,
        expansion: int,
        group_width: int,
    ) -> tuple[nn.Module, int]:
        check_shape("discriminator", width, blocks, expansion, group_width)
        plan = plan_resolution(image_size, "r3gan")
        widths = list(reversed(stage_widths(plan, width)))
        depth = max(blocks * len(widths), 1)
        from_image = nn.Conv2d(channels, widths[0], 1, bias=False)
        msr_init(from_image)
        layers: list[nn.Module] = [from_image]
        for i, w in enumerate(widths):
            layers += [ResidualBlock(w, expansion, group_width, depth) for _ in range(blocks)]
            if i + 1 < len(widths):
                layers.append(Resample(w, widths[i + 1], up=False))
        layers.append(DiscriminativeBasis(widths[-1], plan.base))
        return nn.Sequential(*layers), widths[-1]
