"""The evaluator classifier, loaded as the feature extractor every score is measured with
(genlab.app.train_evaluator trains it)."""

from pathlib import Path

from genlab.metrics.extractor import ClassifierExtractor, FeatureExtractor
from genlab.utils.errors import GenlabError


def load_evaluator(path: str | Path, channels: int | None = None) -> FeatureExtractor:
    """The evaluator at `path` as a feature extractor for `channels`-channel images (None: its
    own), or one line saying how to get it. A one-channel evaluator scores the channels of
    three-channel images one by one (`genlab.metrics.channels`: Stacked MNIST)."""
    from genlab.metrics.channels import PerChannel
    from genlab.models.checkpoints import load_module
    from genlab.models.classifier_module import ClassifierModule

    path = Path(path)
    if not path.is_file():
        raise GenlabError(
            f"evaluator not found at {path}; train it with "
            "`python pipelines/train_evaluator.py data=<data>` (or use eval=inception)"
        )
    module = load_module(path, expected=ClassifierModule)
    extractor = ClassifierExtractor(module.classifier)
    trained_on = int(module.hparams["classifier"]["channels"])
    if channels is None or channels == trained_on:
        return extractor
    if trained_on == 1:
        return PerChannel(extractor, channels)
    raise GenlabError(
        f"the evaluator at {path} takes {trained_on}-channel images, not {channels}-channel "
        "ones; train one on this data with `python pipelines/train_evaluator.py data=<data>`"
    )
