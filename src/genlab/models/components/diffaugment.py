"""Differentiable augmentation for the discriminator's inputs (Zhao et al. 2020, DiffAugment).

With few training images the discriminator memorises them and stops teaching the generator.
Augmenting only the real images would teach the generator to make augmented images; DiffAugment
applies the same policy to real *and* generated images, in the discriminator step and in the
generator step, and lets gradients flow through it back to the generator.

Images live in [-1, 1] with -1 as background (MNIST's black). Every op here keeps them in that
range without clamping, so no pixel loses its gradient:
- `color`: x -> a*x + b with a in [1 - contrast, 1] and |b| <= brightness * (1 - a);
- `translation`: shift by up to `translation` of the side, filled with -1 (a zero pad would be
  mid-grey in [-1, 1], a colour no real digit has);
- `cutout`: one square of `cutout` of the side set to -1.
"""

from collections.abc import Sequence

import torch
from torch import nn

from genlab.models.choices import AUGMENTATIONS, require_choices
from genlab.utils.errors import GenlabError

BACKGROUND = -1.0


def pixels(images: torch.Tensor, fraction: float) -> tuple[int, int]:
    """A fraction of the image's height and width, rounded to whole pixels (half up)."""
    height, width = images.shape[-2:]
    return int(height * fraction + 0.5), int(width * fraction + 0.5)


class DiffAugment(nn.Module):
    def __init__(
        self,
        policy: Sequence[str] = ("translation", "cutout"),
        brightness: float = 0.5,
        contrast: float = 0.25,
        translation: float = 0.125,
        cutout: float = 0.25,
    ) -> None:
        super().__init__()
        require_choices("augmentation", sorted(set(policy)), AUGMENTATIONS)
        for name, value in [
            ("brightness", brightness),
            ("contrast", contrast),
            ("translation", translation),
            ("cutout", cutout),
        ]:
            if not 0 <= value <= 1:
                raise GenlabError(f"augment.{name} must be in [0, 1], got {value}")
        self.policy = tuple(policy)
        self.brightness, self.contrast = brightness, contrast
        self.translation, self.cutout = translation, cutout

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        for op in self.policy:
            images = getattr(self, f"_{op}")(images)
        return images

    def _uniform(self, images: torch.Tensor, low: float, high: float) -> torch.Tensor:
        shape = (images.shape[0], 1, 1, 1)
        return torch.rand(shape, device=images.device, dtype=images.dtype) * (high - low) + low

    def _color(self, images: torch.Tensor) -> torch.Tensor:
        scale = self._uniform(images, 1 - self.contrast, 1)
        headroom = self.brightness * (1 - scale)  # keeps a*x + b inside [-1, 1]
        shift = self._uniform(images, -1, 1) * headroom
        return images * scale + shift

    def _translation(self, images: torch.Tensor) -> torch.Tensor:
        n, _, h, w = images.shape
        pad_h, pad_w = pixels(images, self.translation)  # 0 pixels: every offset is 0
        device = images.device
        dy = torch.randint(-pad_h, pad_h + 1, (n, 1, 1), device=device)
        dx = torch.randint(-pad_w, pad_w + 1, (n, 1, 1), device=device)
        # Pad with the background, then read each image's window at its own offset.
        padded = nn.functional.pad(
            images, [pad_w, pad_w, pad_h, pad_h], mode="constant", value=BACKGROUND
        )
        rows = (torch.arange(h, device=device).view(1, h, 1) + pad_h - dy).expand(n, h, w)
        cols = (torch.arange(w, device=device).view(1, 1, w) + pad_w - dx).expand(n, h, w)
        batch = torch.arange(n, device=device).view(n, 1, 1).expand(n, h, w)
        # Advanced indexing on (N, H, W, C) keeps the channels together.
        return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)

    def _cutout(self, images: torch.Tensor) -> torch.Tensor:
        n, _, h, w = images.shape
        size_h, size_w = pixels(images, self.cutout)  # 0 pixels: an empty square
        device = images.device
        # The square's centre anywhere in the image; it may hang over the border.
        top = torch.randint(0, h + (1 - size_h % 2), (n, 1, 1), device=device) - size_h // 2
        left = torch.randint(0, w + (1 - size_w % 2), (n, 1, 1), device=device) - size_w // 2
        rows = torch.arange(h, device=device).view(1, h, 1)
        cols = torch.arange(w, device=device).view(1, 1, w)
        inside = (rows >= top) & (rows < top + size_h) & (cols >= left) & (cols < left + size_w)
        return torch.where(inside.unsqueeze(1), BACKGROUND, images)

    def extra_repr(self) -> str:
        return f"policy={list(self.policy)}"
