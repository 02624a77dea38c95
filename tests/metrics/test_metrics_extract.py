"""ClassifierExtractor, its fingerprint, and the batch helpers."""

import pytest
import torch

from genlab.metrics.extract import extract_features, generate_batches
from genlab.metrics.extractor import ClassifierExtractor
from genlab.utils.errors import GenlabError


def test_classifier_extractor_gives_features_and_logits(tiny_lenet, mnist_images):
    extractor = ClassifierExtractor(tiny_lenet)
    assert extractor.num_features == 16
    assert extractor.name == "classifier-LeNetClassifier"
    features, logits = extractor(mnist_images[:5])
    assert features.shape == (5, 16)
    assert logits.shape == (5, 10)


def test_classifier_without_the_interface_is_rejected():
    with pytest.raises(TypeError, match="features"):
        ClassifierExtractor(torch.nn.Linear(3, 3))


def test_fingerprint_is_stable_and_follows_the_weights(tiny_lenet):
    extractor = ClassifierExtractor(tiny_lenet)
    before = extractor.fingerprint()
    assert before == ClassifierExtractor(tiny_lenet).fingerprint()
    assert len(before) == 64
    with torch.no_grad():
        tiny_lenet.classifier.bias[0] += 1e-3
    assert extractor.fingerprint() != before


def test_extract_features_concatenates_in_eval_mode_without_grad(tiny_lenet, mnist_images):
    extractor = ClassifierExtractor(tiny_lenet).train()
    images = mnist_images[:50]
    features, logits = extract_features(extractor, images.split(16), "test")
    assert features.shape == (50, 16) and logits.shape == (50, 10)
    assert not features.requires_grad
    # eval mode: dropout off, so the logits match a plain eval forward pass
    again = extract_features(extractor, images.split(7), "test")[1]
    torch.testing.assert_close(logits, again)
    assert extractor.training, "previous mode restored"


def test_extract_features_of_nothing_is_an_error(tiny_lenet):
    with pytest.raises(GenlabError, match="no images"):
        extract_features(ClassifierExtractor(tiny_lenet), [], "empty")


def test_generate_batches_sizes_and_grad_mode():
    calls = []

    def sample(count: int) -> torch.Tensor:
        calls.append(torch.is_grad_enabled())
        return torch.zeros(count, 1, 4, 4)

    sizes = []
    for batch in generate_batches(sample, n=10, batch_size=4):
        sizes.append(len(batch))
        assert torch.is_grad_enabled(), "no_grad must not leak out of the generator"
    assert sizes == [4, 4, 2]
    assert calls == [False, False, False]
