"""FID, KID and IS from precomputed features, computed by torchmetrics.

torchmetrics' metrics normally run their own network on images. Here they get an identity
`feature=` module, so they see the features we extracted (and cached) ourselves: one extraction
serves all three metrics, and the real side is never recomputed. All math (Frechet distance,
polynomial-kernel MMD, KL of the class marginal) stays torchmetrics'.
"""

import math
import warnings

import torch
from torch import nn

from genlab.utils.errors import GenlabError


class PrecomputedFeatures(nn.Module):
    """Identity `feature=` module for torchmetrics: `update(features)` stores the features.

    `num_features` is set so FrechetInceptionDistance does not probe the module with a dummy
    3 x 299 x 299 image to learn the feature size.
    """

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features


def _fid_metric(num_features: int, keep_real: bool = False):
    from torchmetrics.image.fid import FrechetInceptionDistance

    identity = PrecomputedFeatures(num_features)
    return FrechetInceptionDistance(
        feature=identity, normalize=False, reset_real_features=not keep_real
    )


def frechet_distance(real: torch.Tensor, fake: torch.Tensor) -> float:
    """torchmetrics' FID between two feature sets (float64: the covariance is a difference of
    large sums)."""
    fid = _fid_metric(real.shape[1])
    fid.update(real.detach().cpu().double(), real=True)
    fid.update(fake.detach().cpu().double(), real=False)
    return float(fid.compute())


def fid_interval(
    real: torch.Tensor, fake: torch.Tensor, resamples: int = 200, seed: int = 0
) -> tuple[float, float]:
    """A 95 % interval of FID over the generated samples: how far the score would move with
    another draw of as many samples (the real side held fixed).

    The normal-approximation bootstrap interval, FID ± 1.96 standard errors, where the standard
    error is the spread of FID over resamples of the generated features. Not the percentile
    interval: a resample repeats about a third of its rows, which inflates FID, and for a good
    model the percentiles then sit entirely above the measured FID.
    """
    fid = _fid_metric(real.shape[1], keep_real=True)
    fid.update(real.detach().cpu().double(), real=True)
    fake = fake.detach().cpu().double()
    generator = torch.Generator().manual_seed(seed)
    values = []
    for _ in range(resamples):
        fid.reset()  # keeps the real statistics
        fid.update(fake[torch.randint(len(fake), (len(fake),), generator=generator)], real=False)
        values.append(float(fid.compute()))
    point = frechet_distance(real, fake)
    half_width = 1.96 * float(torch.tensor(values, dtype=torch.float64).std())
    return point - half_width, point + half_width


def _check(name: str, tensor: torch.Tensor, min_rows: int = 2) -> None:
    if tensor.dim() != 2 or len(tensor) < min_rows:
        raise GenlabError(f"{name} must be (N >= {min_rows}, d), got shape {tuple(tensor.shape)}")
    if not torch.isfinite(tensor).all():
        raise GenlabError(f"{name} contain NaN or inf (did the generator diverge?)")


def check_features(real_features: torch.Tensor, fake_features: torch.Tensor) -> None:
    _check("real features", real_features)
    _check("generated features", fake_features)
    if real_features.shape[1] != fake_features.shape[1]:
        raise GenlabError(
            f"real and generated features differ in size: {real_features.shape[1]} vs "
            f"{fake_features.shape[1]} (not the same extractor?)"
        )


def kernel_distance(
    real: torch.Tensor,
    fake: torch.Tensor,
    resamples: int = 50,
    seed: int = 0,
    max_blocks: int = 10,
) -> tuple[float, float, float]:
    """KID and its 95 % interval over the generated samples: (point, low, high).

    KID is torchmetrics' unbiased MMD^2 with its cubic polynomial kernel (its `poly_kernel` and
    `maximum_mean_discrepancy`, as `KernelInceptionDistance` uses them). The real features are
    split into disjoint blocks as large as the generated set (1,000 generated against the
    4,000-image training split: 4 blocks), each block is compared with every generated sample,
    and the point is the mean over blocks: every pair of images counts once.
    `KernelInceptionDistance` itself draws random subsets of `subset_size` from both sides; at
    100 of 1,000 samples its subsets' spread was 5-16 times the value, so its mean ± std read
    as noise.

    The interval is FID's (`fid_interval`): the point ± 1.96 bootstrap standard errors, the
    generated samples resampled with the real side held fixed. Resampling the generated side
    moves every block's estimate alike, so one block carries that spread; the kernel matrices
    are computed once and a resample only re-indexes them (BENCHMARKS.md has the cost).
    """
    from torchmetrics.image.kid import maximum_mean_discrepancy, poly_kernel

    check_features(real, fake)
    real, fake = real.detach().cpu().double(), fake.detach().cpu().double()
    generator = torch.Generator().manual_seed(seed)
    size = min(len(real), len(fake))
    fake = fake[torch.randperm(len(fake), generator=generator)[:size]]
    order = torch.randperm(len(real), generator=generator)
    blocks = [order[i * size : (i + 1) * size] for i in range(min(len(real) // size, max_blocks))]
    k_yy = poly_kernel(fake, fake)
    kernels = [(poly_kernel(real[b], real[b]), poly_kernel(real[b], fake)) for b in blocks]
    point = float(
        torch.stack([maximum_mean_discrepancy(xx, xy, k_yy) for xx, xy in kernels]).mean()
    )

    k_xx, k_xy = kernels[0]
    resampled = []
    for _ in range(resamples):
        rows = torch.randint(size, (size,), generator=generator)
        resampled.append(maximum_mean_discrepancy(k_xx, k_xy[:, rows], k_yy[rows][:, rows]))
    half_width = 1.96 * float(torch.stack(resampled).std())
    return point, point - half_width, point + half_width


def compute_scores(
    real_features: torch.Tensor,
    fake_features: torch.Tensor,
    fake_logits: torch.Tensor,
    is_splits: int = 10,
    *,
    seed: int = 0,
) -> dict[str, float]:
    """`fid`, `is_mean`, `is_std` of fake vs real features: what validation logs every epoch
    (evaluation adds KID, `kernel_distance`, and the rest).

    Features are fed as float64 (FID's covariance is a difference of large sums). IS splits are
    drawn with torch's global RNG; they are drawn under `seed` in a forked RNG, so scores are
    reproducible and the caller's random stream is left untouched.
    """
    # Imported here: torchmetrics takes several seconds to import.
    from torchmetrics.image.inception import InceptionScore

    check_features(real_features, fake_features)
    _check("generated logits", fake_logits)
    real = real_features.detach().cpu().double()
    fake = fake_features.detach().cpu().double()
    logits = fake_logits.detach().cpu().double()

    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]):
        # IS warns that it keeps all features in memory: that is the point here.
        warnings.filterwarnings("ignore", message=".*will save all extracted features")
        # One IS split has no spread: torch's std of one value warns (and gives NaN).
        warnings.filterwarnings("ignore", message=".*degrees of freedom is <= 0")
        torch.manual_seed(seed)

        fid_value = frechet_distance(real, fake)
        inception_score = InceptionScore(
            feature=PrecomputedFeatures(logits.shape[1]), splits=is_splits, normalize=False
        )
        inception_score.update(logits)
        is_mean, is_std = (float(v) for v in inception_score.compute())
    if math.isnan(is_std) and not math.isnan(is_mean):
        is_std = 0.0
    return {"fid": fid_value, "is_mean": is_mean, "is_std": is_std}
