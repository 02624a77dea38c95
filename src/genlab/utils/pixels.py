"""Inside genlab images live in [-1, 1], the range of a tanh generator; prepared data (and
torch-fidelity's Inception) keep 8-bit pixels. The one conversion each way."""

import torch


def from_uint8(pixels: torch.Tensor) -> torch.Tensor:
    """8-bit pixels as float32 images in [-1, 1]."""
    return pixels.float().div_(127.5).sub_(1)  # float() copies: in place from there on


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] (clamped) as 8-bit pixels, rounded to the nearest level."""
    return ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
