"""The parts of R3GAN's networks (Huang et al. 2024, "The GAN is dead; long live the GAN!"):
an inverted-bottleneck residual block, fixed low-pass resampling, and the bases that turn a
latent vector into the smallest feature map (G) and that map into a feature vector (D).

No normalization layer anywhere: the block stays well-behaved at initialisation because its
last convolution starts at zero (so each block is the identity) and the others are scaled down
with the number of blocks (fix-up initialisation), which lets the regularised loss alone keep
training stable.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from genlab.utils.errors import GenlabError

LEAK = 0.2
# [1, 2, 1] convolved with [1, 1]: the binomial filter of bilinear interpolation, as in R3GAN.
LOW_PASS = (1.0, 3.0, 3.0, 1.0)


def msr_init(layer: nn.Conv2d | nn.Linear, gain: float = 1.0) -> None:
    """N(0, gain^2 / fan_in) weights and zero bias: the variance each layer keeps when `gain`
    is the activation's (He et al. 2015)."""
    fan_in = layer.weight[0].numel()
    nn.init.normal_(layer.weight, 0.0, gain / math.sqrt(fan_in))
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)


class ResidualBlock(nn.Module):
    """x + 1x1 conv(act(grouped 3x3 conv(act(1x1 conv expanding x)))).

    The 1x1 convolutions widen the features by `expansion` and narrow them back (an inverted
    bottleneck); the 3x3 one mixes space within groups of `group_width` channels, which is where
    most of a plain 3x3 convolution's cost would go. `depth` is the number of blocks in the
    network: the two inner layers are scaled by depth^(-1/4) (fix-up, for three layers per
    branch), so the sum of all branches keeps the variance of one.
    """

    def __init__(self, channels: int, expansion: int, group_width: int, depth: int) -> None:
        super().__init__()
        wide = channels * expansion
        groups = max(wide // group_width, 1)
        if wide % groups:
            raise GenlabError(
                f"group_width={group_width} does not split a block's {wide} channels into equal "
                f"groups; valid: a divisor of {wide} (e.g. {wide // 2 if wide % 2 == 0 else wide})"
            )
        self.expand = nn.Conv2d(channels, wide, 1)
        self.mix = nn.Conv2d(wide, wide, 3, padding=1, groups=groups)
        self.narrow = nn.Conv2d(wide, channels, 1, bias=False)
        gain = math.sqrt(2 / (1 + LEAK**2)) * depth ** (-1 / 4)
        msr_init(self.expand, gain)
        msr_init(self.mix, gain)
        nn.init.zeros_(self.narrow.weight)  # the branch adds nothing until it has learnt

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.leaky_relu(self.expand(x), LEAK)
        y = F.leaky_relu(self.mix(y), LEAK)
        return x + self.narrow(y)


def low_pass_kernel() -> torch.Tensor:
    """The (1, 1, 4, 4) separable binomial filter, its taps summing to 1."""
    taps = torch.tensor(LOW_PASS)
    kernel = torch.outer(taps, taps)
    return (kernel / kernel.sum()).view(1, 1, 4, 4)


class Resample(nn.Module):
    """Doubles (`up`) or halves the image side with the fixed low-pass filter, channel by
    channel, after (up) or before (down) a 1x1 convolution when the width changes.

    Doubling with this filter is bilinear interpolation, which torch provides; halving is the
    filter's depthwise stride-2 convolution. Both treat the border as if the edge repeated, so a
    constant image stays constant (with zeros, a digit's dark background would turn grey at the
    rim). Both run in float32 even under bf16 autocast: this CPU's depthwise bf16 kernels are
    slower than its float32 ones (BENCHMARKS.md, "Step FLOP/s against a plain
    matmul").
    """

    def __init__(self, in_channels: int, out_channels: int, up: bool) -> None:
        super().__init__()
        self.up = up
        self.project = None
        if in_channels != out_channels:
            self.project = nn.Conv2d(in_channels, out_channels, 1, bias=False)
            msr_init(self.project)
        self.register_buffer("kernel", low_pass_kernel())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.up and self.project is not None:
            x = self.project(x)
        with torch.autocast(x.device.type, enabled=False):
            y = self.double(x.float()) if self.up else self.halve(x.float())
        y = y.to(x.dtype)
        if not self.up and self.project is not None:
            y = self.project(y)
        return y

    @staticmethod
    def double(x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)

    def halve(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (1, 1, 1, 1), mode="replicate")
        kernel = self.kernel.expand(x.shape[1], 1, 4, 4)
        return F.conv2d(x, kernel, stride=2, groups=x.shape[1])


class GenerativeBasis(nn.Module):
    """z -> a (channels, base, base) map: a learned constant map per channel, each scaled by a
    linear function of z."""

    def __init__(self, in_features: int, channels: int, base: int) -> None:
        super().__init__()
        self.basis = nn.Parameter(torch.randn(channels, base, base))
        self.linear = nn.Linear(in_features, channels, bias=False)
        msr_init(self.linear)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.basis.unsqueeze(0) * self.linear(z)[:, :, None, None]


class DiscriminativeBasis(nn.Module):
    """A (channels, base, base) map -> a vector of `channels`: one learned base x base filter per
    channel (a depthwise convolution without padding), the mirror of the generative basis."""

    def __init__(self, channels: int, base: int) -> None:
        super().__init__()
        self.basis = nn.Conv2d(channels, channels, base, groups=channels, bias=False)
        msr_init(self.basis)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.basis(x).flatten(1)
