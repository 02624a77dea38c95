"""Mode coverage on data with countable modes (Stacked MNIST's 1,000 digit triples), as the
published protocol computes it (PacGAN's and VEEGAN's code): each sample's mode is the evaluator's
argmax; `modes` counts the modes that receive at least one sample; `kl` is KL(p || uniform) of the
samples' mode histogram p, sum over p > 0 of p * log(p * M). In nats as PacGAN and VEEGAN report
it, and in log10 (`kl_log10`) as the self-conditioned GAN's code does.
"""

import math

import torch


def mode_histogram(predicted: torch.Tensor, modes: int) -> torch.Tensor:
    """How many samples each of the `modes` modes received."""
    return torch.bincount(predicted.flatten().long().cpu(), minlength=modes)[:modes]


def mode_scores(histogram: torch.Tensor) -> dict[str, float]:
    """Modes covered and the histogram's KL divergence from the uniform over all modes."""
    counts = histogram.double()
    p = counts[counts > 0] / counts.sum()
    kl = float((p * torch.log(p * len(histogram))).sum())
    return {"modes": int((histogram > 0).sum()), "kl": kl, "kl_log10": kl / math.log(10)}
