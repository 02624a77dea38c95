"""A small UNet for a flow model's velocity field v(x_t, t): residual blocks with GroupNorm and
SiLU, a sinusoidal time embedding and, for a conditional model, a label embedding added to it
(the guided-diffusion UNet that atong01/conditional-flow-matching trains, cut down for a 2-core
CPU: no attention, `len(multipliers)` resolutions, `blocks` residual blocks per resolution).

A conditional UNet has one more label than classes: the null label, index `num_classes`, that
classifier-free guidance trains with and asks for the unconditional velocity."""

import math

import torch
from torch import nn

from genlab.models.components.conditioning import check_class_count
from genlab.utils import checks
from genlab.utils.errors import GenlabError

# Times in [0, 1] are scaled to the range of the diffusion steps the sinusoidal frequencies
# (periods up to 10,000) were chosen for, so nearby times get distinct embeddings.
TIME_SCALE = 1000.0


def time_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal features of the times `t` (N,), shape (N, dim) (Vaswani et al. 2017)."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half
    )
    args = (t.float() * TIME_SCALE)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def group_norm(channels: int, groups: int) -> nn.GroupNorm:
    # Fewer groups than asked where the width does not divide: any width stays buildable.
    return nn.GroupNorm(math.gcd(groups, channels), channels)


class ResBlock(nn.Module):
    """Two 3x3 convolutions; between them the embedding scales and shifts the normalised
    features (guided diffusion's `use_scale_shift_norm`): a shift added before GroupNorm would
    be normalised away wherever a group holds one channel. The second convolution starts at
    zero, so every block starts as the identity."""

    def __init__(self, in_channels: int, out_channels: int, emb_dim: int, groups: int) -> None:
        super().__init__()
        self.in_layers = nn.Sequential(
            group_norm(in_channels, groups),
            nn.SiLU(),
            nn.Conv2d(in_channels, out_channels, 3, padding=1),
        )
        self.emb = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, 2 * out_channels))
        self.norm = group_norm(out_channels, groups)
        self.out_layers = nn.Sequential(
            nn.SiLU(), nn.Conv2d(out_channels, out_channels, 3, padding=1)
        )
        nn.init.zeros_(self.out_layers[-1].weight)
        nn.init.zeros_(self.out_layers[-1].bias)
        self.skip = (
            nn.Identity()
            if in_channels == out_channels
            else nn.Conv2d(in_channels, out_channels, 1)
        )

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        scale, shift = self.emb(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.norm(self.in_layers(x)) * (1 + scale) + shift
        return self.skip(x) + self.out_layers(h)


class UNet(nn.Module):
    """v(x, t[, labels]) with the shape of x. `width` channels at full resolution, `width *
    multipliers[i]` at the i-th; a stride-2 convolution down, a convolution and nearest-neighbour
    upsampling up between resolutions; the decoder takes every encoder block's output as a skip."""

    def __init__(
        self,
        channels: int,
        image_size: int,
        width: int,
        multipliers: list[int],
        blocks: int,
        groups: int,
        num_classes: int = 0,  # 0: unconditional; GenerativeModule.network passes the count
    ) -> None:
        super().__init__()
        check_class_count(num_classes)
        checks.at_least("model.velocity.width", width, 2)
        checks.at_least("model.velocity.blocks", blocks, 1)
        checks.at_least("model.velocity.groups", groups, 1)
        if not multipliers or any(not isinstance(m, int) or m < 1 for m in multipliers):
            raise GenlabError(
                f"model.velocity.multipliers must be integers >= 1, one per resolution, "
                f"got {multipliers}"
            )
        if image_size % 2 ** (len(multipliers) - 1):
            raise GenlabError(
                f"model.velocity.multipliers: {len(multipliers)} resolutions halve "
                f"{image_size} px {len(multipliers) - 1} times; use fewer resolutions or an "
                f"image size divisible by {2 ** (len(multipliers) - 1)}"
            )
        self.width = width
        self.num_classes = num_classes
        emb_dim = 4 * width
        self.time_mlp = nn.Sequential(
            nn.Linear(width, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim)
        )
        # The null label (index num_classes) is classifier-free guidance's "no class".
        self.label_emb = nn.Embedding(num_classes + 1, emb_dim) if num_classes else None

        self.stem = nn.Conv2d(channels, width, 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips = [width]
        ch = width
        for level, mult in enumerate(multipliers):
            for _ in range(blocks):
                self.down.append(ResBlock(ch, width * mult, emb_dim, groups))
                ch = width * mult
                skips.append(ch)
            if level < len(multipliers) - 1:
                self.downsample.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                skips.append(ch)
        self.middle = ResBlock(ch, ch, emb_dim, groups)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for level, mult in reversed(list(enumerate(multipliers))):
            for _ in range(blocks + 1):
                self.up.append(ResBlock(ch + skips.pop(), width * mult, emb_dim, groups))
                ch = width * mult
            if level > 0:
                # The convolution before the upsampling: a quarter of the FLOPs after it.
                self.upsample.append(
                    nn.Sequential(
                        nn.Conv2d(ch, ch, 3, padding=1),
                        nn.Upsample(scale_factor=2, mode="nearest"),
                    )
                )
        self.head = nn.Sequential(
            group_norm(ch, groups), nn.SiLU(), nn.Conv2d(ch, channels, 3, padding=1)
        )
        self.blocks = blocks
        self.levels = len(multipliers)

    def embed(self, t: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        emb = self.time_mlp(time_embedding(t, self.width))
        if self.label_emb is not None:
            if labels is None:
                raise ValueError("a conditional velocity field needs labels (num_classes: null)")
            emb = emb + self.label_emb(labels)
        return emb

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        emb = self.embed(t, labels)
        h = self.stem(x)
        skips = [h]
        blocks = iter(self.down)
        for level in range(self.levels):
            for _ in range(self.blocks):
                h = next(blocks)(h, emb)
                skips.append(h)
            if level < self.levels - 1:
                h = self.downsample[level](h)
                skips.append(h)
        h = self.middle(h, emb)
        blocks = iter(self.up)
        for level in range(self.levels):
            for _ in range(self.blocks + 1):
                h = next(blocks)(torch.cat([h, skips.pop()], dim=1), emb)
            if level < self.levels - 1:
                h = self.upsample[level](h)
        return self.head(h)
