"""Radford et al. (2016) DCGAN, sized by resolution, optionally class-conditional.

The generator doubles a base map (4x4, or 7x7 for 28 px) with transposed convolutions, halving
the width each time; the discriminator mirrors it with strided convolutions and LeakyReLU. No
BatchNorm on the generator output or the discriminator input, and N(0, 0.02) weights, as in
the paper. With `num_classes > 0` the generator takes a label (an embedding concatenated to z,
or conditional BatchNorm) and the discriminator scores it with a projection head.
"""

from typing import Any

import torch
from torch import nn

from genlab.models.components.conditioning import LabelBatchNorm, generator_conditioning
from genlab.models.components.discriminator import ProjectionDiscriminator
from genlab.models.components.resolution import plan_resolution


def dcgan_init(module: nn.Module) -> None:
    """The paper's init: conv weights N(0, 0.02); BatchNorm scale N(1, 0.02), shift 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    def __init__(
        self,
        latent_dim: int,
        channels: int,
        image_size: int,
        width: int = 32,
        conditioning: str = "cbn",
        **labels: Any,  # num_classes, label_dim: see generator_conditioning
    ) -> None:
        super().__init__()
        self.label, norm_classes = generator_conditioning(conditioning, **labels)
        plan = plan_resolution(image_size, "dcgan")
        widths = [width * 2**i for i in reversed(range(plan.doublings))]  # e.g. [128, 64]
        in_width = latent_dim + self.label.width
        self.convs = nn.ModuleList(
            [nn.ConvTranspose2d(in_width, widths[0], plan.base, 1, 0, bias=False)]
        )
        self.norms = nn.ModuleList([LabelBatchNorm(widths[0], norm_classes)])
        for w_in, w_out in zip(widths, widths[1:], strict=False):
            self.convs.append(nn.ConvTranspose2d(w_in, w_out, 4, 2, 1, bias=False))
            self.norms.append(LabelBatchNorm(w_out, norm_classes))
        self.to_image = nn.Sequential(
            nn.ConvTranspose2d(widths[-1], channels, 4, 2, 1, bias=False), nn.Tanh()
        )
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        x = self.label(z, labels).view(z.shape[0], -1, 1, 1)
        for conv, norm in zip(self.convs, self.norms, strict=True):
            x = torch.relu(norm(conv(x), labels))
        return self.to_image(x)


class DCGANDiscriminator(ProjectionDiscriminator):
    head_bias = False  # a linear head over the last map: the paper's last conv, without bias
    weight_init = staticmethod(dcgan_init)

    def build(self, channels: int, image_size: int, width: int = 32) -> tuple[nn.Module, int]:
        plan = plan_resolution(image_size, "dcgan")
        widths = [width * 2**i for i in range(plan.doublings)]  # e.g. [64, 128]
        layers: list[nn.Module] = [
            nn.Conv2d(channels, widths[0], 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for w_in, w_out in zip(widths, widths[1:], strict=False):
            layers.append(nn.Conv2d(w_in, w_out, 4, 2, 1, bias=False))
            if not self.spectral_norm:  # spectral norm replaces BatchNorm (Miyato et al. 2018)
                layers.append(nn.BatchNorm2d(w_out))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
        return nn.Sequential(*layers), widths[-1] * plan.base**2
