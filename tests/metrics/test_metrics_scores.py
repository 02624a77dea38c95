"""FID, KID and IS through torchmetrics on precomputed features: known values and trends."""

import pytest
import torch

from genlab.errors import GenlabError
from genlab.metrics.extract import extract_features
from genlab.metrics.extractor import ClassifierExtractor
from genlab.metrics.scores import compute_scores


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
    identical sets score about -2 mean(k(x, x)) / subset_size, tiny next to a real shift."""
    feats = gaussian()
    same = compute_scores(feats, feats, LOGITS, kid_subset_size=100)
    shifted = compute_scores(feats, feats + 1.0, LOGITS, kid_subset_size=100)
    assert shifted["kid_mean"] > 0
    assert abs(same["kid_mean"]) < 0.02 * shifted["kid_mean"]


def test_kid_subset_larger_than_samples_names_both_counts():
    with pytest.raises(GenlabError, match=r"KID subset size 100 .*real 80, generated 50"):
        compute_scores(gaussian(80), gaussian(50, seed=1), LOGITS, kid_subset_size=100)


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
