"""Scores of a conditional model: does it draw the class it was asked for, and how good is each
class on its own? Both read the evaluator's outputs; neither feeds back into training."""

import torch

from genlab.metrics.scores import frechet_distance


def label_accuracy(logits: torch.Tensor, asked: torch.Tensor) -> float:
    """The share of generated images that the evaluator assigns to the class they were asked
    for. On real images with their true labels this is the evaluator's own accuracy: the
    ceiling a generator can reach in this feature space."""
    return float((logits.argmax(dim=1) == asked.to(logits.device)).float().mean())


def intra_class_fid(
    real: torch.Tensor, real_labels: torch.Tensor, fake: torch.Tensor, fake_labels: torch.Tensor
) -> dict[str, float]:
    """FID of each class's generated features against that class's real ones, and their mean
    (`mean`). A class with fewer than 2 images on either side is left out (no covariance)."""
    per_class: dict[str, float] = {}
    for label in torch.unique(real_labels).tolist():
        real_c, fake_c = real[real_labels == label], fake[fake_labels == label]
        if len(real_c) >= 2 and len(fake_c) >= 2:
            per_class[str(label)] = frechet_distance(real_c, fake_c)
    mean = sum(per_class.values()) / len(per_class) if per_class else float("nan")
    return {"mean": mean, **per_class}
