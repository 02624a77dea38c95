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

from genlab.errors import GenlabError


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


def compute_scores(
    real_features: torch.Tensor,
    fake_features: torch.Tensor,
    fake_logits: torch.Tensor,
    kid_subset_size: int = 100,
    is_splits: int = 10,
    *,
    kid_subsets: int = 100,
    seed: int = 0,
) -> dict[str, float]:
    """`fid`, `kid_mean`, `kid_std`, `is_mean`, `is_std` of fake vs real features.

    Features are fed as float64 (FID's covariance is a difference of large sums). KID subsets
    and IS splits are drawn with torch's global RNG; they are drawn under `seed` in a forked
    RNG, so scores are reproducible and the caller's random stream is left untouched.
    """
    # Imported here: torchmetrics takes several seconds to import.
    from torchmetrics.image.inception import InceptionScore
    from torchmetrics.image.kid import KernelInceptionDistance

    _check("real features", real_features)
    _check("generated features", fake_features)
    _check("generated logits", fake_logits)
    if real_features.shape[1] != fake_features.shape[1]:
        raise GenlabError(
            f"real and generated features differ in size: {real_features.shape[1]} vs "
            f"{fake_features.shape[1]} (not the same extractor?)"
        )
    n_real, n_fake = len(real_features), len(fake_features)
    if kid_subset_size > min(n_real, n_fake):
        raise GenlabError(
            f"KID subset size {kid_subset_size} is larger than the sample count "
            f"(real {n_real}, generated {n_fake}); lower eval.kid_subset_size or score more "
            "samples"
        )
    real = real_features.detach().cpu().double()
    fake = fake_features.detach().cpu().double()
    logits = fake_logits.detach().cpu().double()
    identity = PrecomputedFeatures(real.shape[1])

    with warnings.catch_warnings(), torch.random.fork_rng(devices=[]):
        # KID and IS warn that they keep all features in memory: that is the point here.
        warnings.filterwarnings("ignore", message=".*will save all extracted features")
        # One IS split has no spread: torch's std of one value warns (and gives NaN).
        warnings.filterwarnings("ignore", message=".*degrees of freedom is <= 0")
        torch.manual_seed(seed)

        fid_value = frechet_distance(real, fake)

        kid = KernelInceptionDistance(
            feature=identity, subsets=kid_subsets, subset_size=kid_subset_size, normalize=False
        )
        kid.update(real, real=True)
        kid.update(fake, real=False)
        kid_mean, kid_std = (float(v) for v in kid.compute())

        inception_score = InceptionScore(feature=identity, splits=is_splits, normalize=False)
        inception_score.update(logits)
        is_mean, is_std = (float(v) for v in inception_score.compute())
    if math.isnan(is_std) and not math.isnan(is_mean):
        is_std = 0.0

    return {
        "fid": fid_value,
        "kid_mean": kid_mean,
        "kid_std": kid_std,
        "is_mean": is_mean,
        "is_std": is_std,
    }
