"""Learning-rate schedules the modules offer: constant, or constant and then a linear fall to 0
at the last batch (the tail of training settles instead of ending on one step of a GAN's
oscillation; QUALITY.md measures it)."""

import math

import torch
from torch.optim.lr_scheduler import LambdaLR

from genlab.errors import GenlabError


def check_fraction(
    key: str, value: float | None, allow_none: bool = False, closed: bool = True
) -> None:
    """A fraction option: in (0, 1] (`closed`) or [0, 1) (a start point), or null if allowed."""
    if value is None and allow_none:
        return
    number = isinstance(value, int | float) and not isinstance(value, bool)
    inside = number and math.isfinite(value) and (0 < value <= 1 if closed else 0 <= value < 1)
    if not inside:
        valid = "in (0, 1]" if closed else "in [0, 1)"
        raise GenlabError(f"{key} must be {valid}{' or null' if allow_none else ''}, got {value!r}")


def linear_decay(
    optimizer: torch.optim.Optimizer, total_batches: int, start_fraction: float
) -> LambdaLR:
    """Full rate until `start_fraction` of `total_batches`, then linearly down to 0 at the last
    batch; stepped once per batch."""
    start = int(total_batches * start_fraction)
    length = max(total_batches - start, 1)

    def factor(batch: int) -> float:
        return 1.0 if batch < start else max(0.0, (total_batches - batch) / length)

    return LambdaLR(optimizer, factor)
