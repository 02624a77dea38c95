"""Learning-rate schedules the modules offer: constant, or constant and then a linear fall to 0
at the last batch (the tail of training settles instead of ending on one step of a GAN's
oscillation; QUALITY.md measures it)."""

import torch
from torch.optim.lr_scheduler import LambdaLR


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
