"""FID, KID and IS through torchmetrics on precomputed features: known values and trends."""

import numpy as np
import pytest
import scipy.linalg
import scipy.stats
import torch

from genlab.metrics.extract import extract_features
from genlab.metrics.extractor import ClassifierExtractor
from genlab.metrics.scores import (
    compute_scores,
    fid_interval,
    frechet_distance,
    kernel_distance,
)
from genlab.utils.errors import GenlabError


def gaussian(n: int = 400, d: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def balanced_one_hot_logits(n: int = 1000, classes: int = 10) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.arange(n) % classes, classes).double() * 50


LOGITS = torch.zeros(400, 10)


def test_fid_of_a_set_against_itself_is_zero():
    feats = gaussian() * 3 + 5
    scale = torch.cov(feats.T).trace().item()  # ~ d * 9
    assert abs(compute_scores(feats, feats, LOGITS)["fid"]) < 1e-6 * scale


def test_fid_matches_closed_form_for_shifted_and_scaled_sets():
    """A shift keeps the sample covariance: FID = |shift|^2. Scaling a centred set by s gives
    Tr(C)(1 - s)^2. Checks that real and fake both reach the metric, in float64."""
    feats = gaussian()
    assert compute_scores(feats, feats + 0.5, LOGITS)["fid"] == pytest.approx(16 * 0.25, rel=1e-6)
    centred = feats - feats.mean(0)
    expected = torch.cov(centred.T).trace().item() * (1 - 0.5) ** 2
    scaled = compute_scores(centred, centred * 0.5, LOGITS)["fid"]
    assert scaled == pytest.approx(expected, rel=1e-6)


def test_fid_grows_with_noise_on_real_digits(mnist_images, tiny_lenet):
    """Real digits, split in two halves of the same classes, through a real (random-init)
    extractor: the more noise on the 'generated' half, the larger the FID."""
    extractor = ClassifierExtractor(tiny_lenet)
    real, fake = mnist_images[0::2], mnist_images[1::2]
    real_feats, _ = extract_features(extractor, real.split(100), "real")
    generator = torch.Generator().manual_seed(0)
    fids = []
    for std in (0.0, 0.2, 0.5, 1.0):
        noisy = (fake + std * torch.randn(fake.shape, generator=generator)).clamp(-1, 1)
        feats, logits = extract_features(extractor, noisy.split(100), f"noise {std}")
        fids.append(compute_scores(real_feats, feats, logits)["fid"])
    assert all(a < b for a, b in zip(fids, fids[1:], strict=False)), fids
    assert fids[-1] > 10 * fids[0]


def test_kid_is_near_zero_for_identical_sets():
    """Not exactly 0: the unbiased MMD estimator drops k(x, x) only within each set, so two
    identical sets score about -2 mean(k(x, x)) / n, tiny next to a real shift."""
    feats = gaussian()
    same, _, _ = kernel_distance(feats, feats)
    shifted, _, _ = kernel_distance(feats, feats + 1.0)
    assert shifted > 0
    assert abs(same) < 0.02 * shifted


def test_inception_score_of_confident_balanced_logits_is_the_class_count():
    logits = balanced_one_hot_logits()
    one_split = compute_scores(gaussian(), gaussian(seed=1), logits, is_splits=1)
    assert one_split["is_mean"] == pytest.approx(10, rel=1e-6)
    assert one_split["is_std"] == 0.0
    # torchmetrics shuffles before splitting, so 10 splits are only roughly balanced
    ten_splits = compute_scores(gaussian(), gaussian(seed=1), logits, is_splits=10)
    assert 9.0 < ten_splits["is_mean"] <= 10


def test_inception_score_of_constant_logits_is_one():
    logits = torch.tensor([[3.0, 1.0, -2.0]]).repeat(400, 1)
    assert compute_scores(gaussian(), gaussian(), logits)["is_mean"] == pytest.approx(1, abs=1e-9)


def test_scores_are_reproducible_and_leave_the_global_rng_alone():
    feats, logits = gaussian(), torch.randn(400, 10)
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = compute_scores(feats, feats + 0.1, logits)
    assert torch.rand(1) == expected_next
    assert compute_scores(feats, feats + 0.1, logits) == first


def test_bad_features_are_reported():
    with pytest.raises(GenlabError, match="differ in size"):
        compute_scores(gaussian(d=16), gaussian(d=8), LOGITS)
    broken = gaussian()
    broken[3, 2] = float("nan")
    with pytest.raises(GenlabError, match="NaN"):
        compute_scores(gaussian(), broken, LOGITS)


# -- FID and KID against direct formulas --------------------------------------------------------


def correlated_gaussian(n: int, d: int, seed: int, shift: float = 0.0) -> torch.Tensor:
    """n draws of N(shift, A A^T / d) with a random full A: two seeds give covariances that
    do not commute, where Tr sqrtm(C1 C2) differs from any per-dimension shortcut."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) / np.sqrt(d)
    return torch.from_numpy(rng.normal(size=(n, d)) @ mixing.T + shift)


def fid_reference(real: np.ndarray, fake: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(C1 + C2 - 2 sqrtm(C1 C2)), C the sample covariance (n - 1), as
    torchmetrics and Heusel et al.'s reference code estimate it."""
    c1, c2 = np.cov(real, rowvar=False, ddof=1), np.cov(fake, rowvar=False, ddof=1)
    mean_term = np.sum((real.mean(0) - fake.mean(0)) ** 2)
    return float(mean_term + np.trace(c1 + c2 - 2 * scipy.linalg.sqrtm(c1 @ c2).real))


def unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 (Gretton et al. 2012) with KID's kernel k(a, b) = (a.b / d + 1)^3: the
    within-set sums leave out i == j, the cross sum keeps every pair."""
    m, d = x.shape

    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return (a @ b.T / d + 1) ** 3

    off_diagonal = ~np.eye(m, dtype=bool)
    within = kernel(x, x)[off_diagonal].mean() + kernel(y, y)[off_diagonal].mean()
    return float(within - 2 * kernel(x, y).mean())


def unbiased_mmd2_unequal(x: np.ndarray, y: np.ndarray) -> float:
    """The same estimator for sets of different sizes (every pair of the whole sets)."""
    d = x.shape[1]

    def within(a: np.ndarray) -> float:
        k = (a @ a.T / d + 1) ** 3
        return float((k.sum() - np.trace(k)) / (len(a) * (len(a) - 1)))

    return within(x) + within(y) - 2 * float(((x @ y.T / d + 1) ** 3).mean())


def test_fid_matches_scipy_sqrtm_on_non_commuting_covariances():
    real = correlated_gaussian(2000, 8, seed=0)
    fake = correlated_gaussian(2000, 8, seed=1, shift=0.3)
    c1, c2 = torch.cov(real.T), torch.cov(fake.T)
    assert not torch.allclose(c1 @ c2, c2 @ c1, atol=0.1)  # the case that needs sqrtm
    expected = fid_reference(real.numpy(), fake.numpy())
    assert frechet_distance(real, fake) == pytest.approx(expected, rel=1e-9)
    scores = compute_scores(real, fake, torch.zeros(2000, 10))
    assert scores["fid"] == pytest.approx(expected, rel=1e-9)


def test_kid_of_equal_sized_sets_is_the_unbiased_mmd2_of_the_whole_sets():
    real = correlated_gaussian(500, 8, seed=2)
    fake = correlated_gaussian(500, 8, seed=3, shift=0.2)
    point, _, _ = kernel_distance(real, fake)
    assert point == pytest.approx(unbiased_mmd2(real.numpy(), fake.numpy()), rel=1e-9)


def test_kid_compares_every_real_block_with_every_generated_sample():
    """2,000 real against 500 generated: four disjoint blocks of 500, each against all 500. The
    mean over blocks estimates the same MMD^2 as the whole sets do (not a 100-sample subset's
    noisy one), so it lands within a few percent of the whole-set value for a clear shift."""
    real = correlated_gaussian(2000, 8, seed=2)
    fake = correlated_gaussian(500, 8, seed=3, shift=0.3)
    point, low, high = kernel_distance(real, fake)
    whole = unbiased_mmd2_unequal(real.numpy(), fake.numpy())
    assert point == pytest.approx(whole, rel=0.05)
    assert low < whole < high
    single_block, _, _ = kernel_distance(real, fake, max_blocks=1)
    assert single_block != pytest.approx(point, rel=1e-6)  # the other blocks count


def test_kid_interval_is_centred_on_the_point_and_holds_zero_for_the_same_distribution():
    draws = correlated_gaussian(2000, 8, seed=4)
    real, same = draws[:1000], draws[1000:]  # two draws of one distribution
    point, low, high = kernel_distance(real, same)
    assert (low + high) / 2 == pytest.approx(point, rel=1e-9)
    assert low < 0 < high
    _, shifted_low, _ = kernel_distance(real, same + 0.3)
    assert shifted_low > 0


def test_kid_interval_width_is_scipys_bootstrap_standard_error():
    """The half-width is 1.96 standard errors of KID over resamples of the generated samples
    (real side fixed), as scipy.stats.bootstrap computes it with the direct formula."""
    real = correlated_gaussian(300, 8, seed=4)
    fake = correlated_gaussian(300, 8, seed=5, shift=0.3)
    r, f = real.numpy(), fake.numpy()
    reference = scipy.stats.bootstrap(
        (np.arange(len(f)),),
        lambda rows: unbiased_mmd2_unequal(r, f[rows]),
        n_resamples=300,
        vectorized=False,
        rng=np.random.default_rng(0),
    ).standard_error
    _, low, high = kernel_distance(real, fake, resamples=300)
    assert (high - low) / (2 * 1.96) == pytest.approx(reference, rel=0.2)


# -- the bootstrap FID interval ------------------------------------------------------------------


def test_fid_interval_is_centred_on_the_point_fid_even_for_a_perfect_model():
    """Generated features from the real distribution: the resampling bias pushes every
    bootstrap FID above the measured one, so a percentile interval would miss it."""
    real = correlated_gaussian(1000, 8, seed=4)
    fake = correlated_gaussian(200, 8, seed=5)
    point = frechet_distance(real, fake)
    low, high = fid_interval(real, fake, resamples=100)
    assert low < point < high
    assert (low + high) / 2 == pytest.approx(point, rel=1e-9)


def test_fid_interval_width_is_scipys_bootstrap_standard_error():
    """The half-width is 1.96 standard errors; scipy.stats.bootstrap over the generated samples
    with the direct FID formula gives the same standard error (within Monte Carlo error).
    Catches resamples that are not independent (e.g. statistics never reset)."""
    real = correlated_gaussian(1000, 8, seed=4)
    fake = correlated_gaussian(500, 8, seed=5, shift=0.5)
    r, f = real.numpy(), fake.numpy()
    reference = scipy.stats.bootstrap(
        (np.arange(len(f)),),
        lambda rows: fid_reference(r, f[rows]),
        n_resamples=1000,
        vectorized=False,
        rng=np.random.default_rng(0),
    ).standard_error
    low, high = fid_interval(real, fake, resamples=200)
    assert (high - low) / (2 * 1.96) == pytest.approx(reference, rel=0.2)


def test_fid_interval_narrows_when_more_samples_are_scored():
    """The spread of FID over resamples shrinks about as 1 / sqrt(n): 8x the samples, about
    0.35x the width."""
    real = correlated_gaussian(1000, 8, seed=4)
    few = correlated_gaussian(200, 8, seed=5, shift=0.5)
    many = correlated_gaussian(1600, 8, seed=5, shift=0.5)
    few_low, few_high = fid_interval(real, few, resamples=100)
    many_low, many_high = fid_interval(real, many, resamples=100)
    assert 0 < many_high - many_low < 0.6 * (few_high - few_low)
