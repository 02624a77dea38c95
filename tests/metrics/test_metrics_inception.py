"""InceptionExtractor with a local weights file, and its offline error.

The real weights cannot be downloaded here, so a randomly initialised torch-fidelity InceptionV3
is saved to a temp dir (~96 MB, never in the repo). Random weights make the features
meaningless: these tests check loading and plumbing only.
"""

from pathlib import Path

import pytest
import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from genlab.metrics.extract import extract_features
from genlab.metrics.extractor import INCEPTION_WEIGHTS_FILE, InceptionExtractor
from genlab.utils.errors import GenlabError


class _RandomInception(FeatureExtractorInceptionV3):
    """torch-fidelity's network, with the weight loading skipped: keeps the random init."""

    def load_state_dict(self, state_dict, strict=True, assign=False):
        return None


@pytest.fixture(scope="module")
def inception_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inception")
    empty = folder / "empty.pth"
    torch.save({}, empty)  # given as the weights path, so nothing is downloaded
    torch.manual_seed(0)
    model = _RandomInception("inception-v3-compat", ["2048"], feature_extractor_weights_path=empty)
    path = folder / "random-inception.pth"
    torch.save(model.state_dict(), path)  # same keys as the real file: strict load works
    return path


def test_inception_extractor_runs_on_grayscale_28px(inception_weights, mnist_images):
    extractor = InceptionExtractor(inception_weights)
    assert (extractor.name, extractor.num_features) == ("inception-v3-compat", 2048)
    features, logits = extract_features(extractor, mnist_images[:3].split(2), "inception")
    assert features.shape == (3, 2048)
    assert logits.shape == (3, 1008)
    assert torch.isfinite(features).all()
    assert not extractor.train().model.training, "Inception stays in eval mode"
    assert extractor.fingerprint() == InceptionExtractor(inception_weights).fingerprint()


def test_missing_or_wrong_weights_file_is_a_clear_error(tmp_path, tiny_lenet):
    with pytest.raises(GenlabError, match="not found"):
        InceptionExtractor(tmp_path / "nope.pth")
    wrong = tmp_path / "lenet.pth"
    torch.save(tiny_lenet.state_dict(), wrong)
    with pytest.raises(GenlabError, match="does not fit"):
        InceptionExtractor(wrong)


def test_offline_without_weights_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # empty: no cached weights file
    with pytest.raises(GenlabError) as error:
        InceptionExtractor(None)
    message = str(error.value)
    assert "\n" not in message
    assert "could not be downloaded" in message
    assert INCEPTION_WEIGHTS_FILE in message
    assert "$TORCH_HOME/hub/checkpoints/" in message
    assert str(tmp_path / "hub" / "checkpoints") in message
    assert "eval.inception_weights=<path>" in message
    assert "eval.features=classifier" in message
