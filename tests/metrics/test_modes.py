"""Mode coverage and the per-channel evaluator that Stacked MNIST is scored with."""

import math

import pytest
import torch

from genlab.data.sources.stacked_mnist import triple_label
from genlab.metrics.channels import PerChannel, combination_log_probs
from genlab.metrics.extractor import FeatureExtractor
from genlab.metrics.modes import mode_histogram, mode_scores


def test_modes_and_kl_match_a_direct_computation_on_a_hand_made_histogram() -> None:
    histogram = torch.zeros(1000, dtype=torch.int64)
    histogram[:4] = torch.tensor([50, 25, 25, 0])
    histogram[999] = 100
    scores = mode_scores(histogram)
    p = [50 / 200, 25 / 200, 25 / 200, 100 / 200]
    kl = sum(q * math.log(q * 1000) for q in p)
    assert scores["modes"] == 4
    assert scores["kl"] == pytest.approx(kl)
    assert scores["kl_log10"] == pytest.approx(kl / math.log(10))


def test_a_uniform_histogram_has_every_mode_and_no_divergence() -> None:
    scores = mode_scores(torch.full((1000,), 26))
    assert scores["modes"] == 1000 and scores["kl"] == pytest.approx(0.0, abs=1e-12)


def test_one_mode_has_the_largest_divergence_log_m() -> None:
    assert mode_scores(mode_histogram(torch.full((26,), 7), 1000))["kl"] == pytest.approx(
        math.log(1000)
    )


class ConstantDigit(FeatureExtractor):
    """A one-channel 'classifier' of images whose pixels all hold digit/10: its logits peak at
    that digit, its features are the pixel mean."""

    name = "constant-digit"
    num_features = 1

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        digit = images.flatten(1).mean(dim=1, keepdim=True) * 10
        return digit, -(digit - torch.arange(10.0)).abs() * 5


def test_per_channel_reads_each_channel_and_names_the_triple_like_the_labels() -> None:
    digits = torch.tensor([[8, 0, 0], [0, 3, 9], [4, 4, 1]])
    images = (digits.float() / 10)[:, :, None, None].expand(-1, -1, 28, 28)
    features, logits = PerChannel(ConstantDigit(), 3)(images)
    assert torch.equal(logits.argmax(dim=1), triple_label(digits))
    assert torch.allclose(features, digits.float(), atol=1e-5)


def test_combination_log_probs_are_the_product_of_the_channels_softmaxes() -> None:
    channels = [torch.randn(5, 10, generator=torch.Generator().manual_seed(c)) for c in range(3)]
    joint = combination_log_probs(channels).exp()
    probs = [c.softmax(dim=1) for c in channels]
    direct = torch.einsum("na,nb,nc->nabc", *probs).flatten(1)
    assert torch.allclose(joint, direct, atol=1e-6)
    assert torch.allclose(joint.sum(dim=1), torch.ones(5), atol=1e-5)
