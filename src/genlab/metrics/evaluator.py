"""The evaluator classifier, loaded as the feature extractor every score is measured with
(genlab.app.train_evaluator trains it)."""

from pathlib import Path

from genlab.metrics.extractor import ClassifierExtractor
from genlab.utils.errors import GenlabError


def load_evaluator(path: str | Path) -> ClassifierExtractor:
    """The evaluator at `path` as a feature extractor, or one line saying how to get it."""
    from genlab.models.checkpoints import load_module
    from genlab.models.classifier_module import ClassifierModule

    path = Path(path)
    if not path.is_file():
        raise GenlabError(
            f"evaluator not found at {path}; train it with "
            "`python pipelines/train_evaluator.py data=<data>` (or use eval=inception)"
        )
    return ClassifierExtractor(load_module(path, expected=ClassifierModule).classifier)
