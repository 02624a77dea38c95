"""Feature extractors: the networks whose embedding FID, KID and IS are measured in.

Every extractor maps images in [-1, 1] (N x C x H x W, the range the generators produce) to
`(features (N, d), logits (N, k))`: features for FID/KID, logits for IS. `fingerprint()` hashes
the weights, so cached real-data features are recomputed whenever the network changes.
"""

import hashlib
import os
from abc import ABC, abstractmethod
from pathlib import Path

import torch
from torch import nn

from genlab.utils.errors import GenlabError, first_line
from genlab.utils.pixels import to_uint8

INCEPTION_WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"


class FeatureExtractor(nn.Module, ABC):
    """Base of all extractors: `forward(images in [-1, 1]) -> (features, logits)`."""

    name: str
    num_features: int

    @abstractmethod
    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return `(features (N, num_features), logits (N, num_classes))`."""

    def fingerprint(self) -> str:
        """sha256 of the name and every state_dict tensor (key, dtype, shape, bytes).

        Used as part of the real-feature cache key: retraining the evaluator, or swapping the
        Inception weights file, changes it, so stale cached features are never reused.
        """
        digest = hashlib.sha256(self.name.encode())
        for key, tensor in sorted(self.state_dict().items()):
            flat = tensor.detach().cpu().contiguous().reshape(-1)
            digest.update(f"{key}|{flat.dtype}|{tuple(tensor.shape)}".encode())
            # Viewing as bytes works for every dtype, bfloat16 included (numpy has none).
            digest.update(flat.view(torch.uint8).numpy().tobytes())
        return digest.hexdigest()


class ClassifierExtractor(FeatureExtractor):
    """Wraps a classifier with `features(x) -> (N, d)` (penultimate layer) and
    `head(features) -> logits`: the offline feature space, trained on the data being scored."""

    def __init__(self, classifier: nn.Module, num_features: int | None = None):
        super().__init__()
        for method in ("features", "head"):
            if not callable(getattr(classifier, method, None)):
                raise TypeError(f"{type(classifier).__name__} has no `{method}` method")
        if num_features is None:
            num_features = getattr(classifier, "feature_dim", None) or getattr(
                classifier, "num_features", None
            )
        if not isinstance(num_features, int):
            raise TypeError(
                f"cannot tell the feature size of {type(classifier).__name__}: give it a "
                "`feature_dim` attribute or pass num_features="
            )
        self.classifier = classifier
        self.name = f"classifier-{type(classifier).__name__}"
        self.num_features = num_features

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.classifier.features(images)
        return features, self.classifier.head(features)


def inception_cache_dir() -> Path:
    """Where torch.hub (hence torch-fidelity) looks for the Inception weights:
    `$TORCH_HOME/hub/checkpoints`, read at call time so tests can point TORCH_HOME elsewhere."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def _check_plain_tensors(path: str | os.PathLike[str]) -> None:
    """torch-fidelity loads the weights with `weights_only=False`, which runs any code pickled
    into the file. Refuse a file that is not plain tensors before it gets there."""
    try:
        torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise GenlabError(
            f"refusing Inception weights {path}: not a plain tensor file ({first_line(e)})"
        ) from e


class InceptionExtractor(FeatureExtractor):
    """torch-fidelity's InceptionV3 ("inception-v3-compat", the TF-FID port): 2048-d pool
    features and the 1008 `logits_unbiased` that torch-fidelity uses for IS.

    Without `weights_path` torch-fidelity loads `$TORCH_HOME/hub/checkpoints/<file>` or
    downloads it; offline and uncached, that becomes one clear GenlabError.
    """

    def __init__(self, weights_path: str | os.PathLike[str] | None = None):
        super().__init__()
        # Imported here: torch-fidelity costs seconds to import and only this path needs it.
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        if weights_path is not None and not Path(weights_path).is_file():
            raise GenlabError(f"Inception weights file not found: {weights_path}")
        if weights_path is not None:
            _check_plain_tensors(weights_path)
        try:
            self.model = FeatureExtractorInceptionV3(
                name="inception-v3-compat",
                features_list=["2048", "logits_unbiased"],
                feature_extractor_weights_path=None if weights_path is None else str(weights_path),
            )
        except OSError as e:  # URLError/HTTPError are OSErrors: offline or blocked
            if weights_path is not None:
                raise GenlabError(f"cannot read Inception weights {weights_path}: {e}") from e
            raise GenlabError(
                f"the Inception weights could not be downloaded ({e}); put "
                f"{INCEPTION_WEIGHTS_FILE} in $TORCH_HOME/hub/checkpoints/ (here: "
                f"{inception_cache_dir()}) or pass eval.inception_weights=<path>; "
                "eval.features=classifier works offline"
            ) from e
        except RuntimeError as e:  # strict load_state_dict: wrong keys or shapes
            detail = " ".join(str(e).split())  # one line; the key lists can be long
            raise GenlabError(
                f"{weights_path or INCEPTION_WEIGHTS_FILE} does not fit torch-fidelity's "
                f"InceptionV3: {detail[:300]}"
            ) from e
        self.name = "inception-v3-compat"
        self.num_features = 2048

    def train(self, mode: bool = True) -> "InceptionExtractor":
        """Keep the network in eval mode: its BatchNorm must use the pretrained statistics."""
        super().train(mode)
        self.model.eval()
        return self

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if images.dim() != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"expected N x 1 x H x W or N x 3 x H x W images, got {images.shape}")
        # torch-fidelity takes uint8 0..255 RGB at any size and resizes to 299 itself.
        pixels = to_uint8(images)
        if pixels.shape[1] == 1:
            pixels = pixels.expand(-1, 3, -1, -1)
        features, logits = self.model(pixels)
        return features, logits
