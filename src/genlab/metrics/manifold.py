"""Precision, recall, density and coverage (Kynkäänniemi et al. 2019; Naeem et al. 2020) from
the `prdc` package, on the evaluator's features.

FID folds two failures into one number; these keep them apart. Precision and density: how many
generated images fall where real ones are (sharp, plausible). Recall and coverage: how much of
the real data the generated images reach (diverse, not collapsed). A blurry but diverse model
has low precision and fair recall; a sharp but collapsed one the reverse.
"""

import contextlib
import io

import torch

MANIFOLD_KEYS = ("precision", "recall", "density", "coverage")


def manifold_scores(real: torch.Tensor, fake: torch.Tensor, nearest_k: int = 5) -> dict[str, float]:
    from prdc import compute_prdc  # imported here: only evaluation needs it

    with contextlib.redirect_stdout(io.StringIO()):  # prdc prints the set sizes
        scores = compute_prdc(
            real.detach().cpu().float().numpy(), fake.detach().cpu().float().numpy(), nearest_k
        )
    return {key: float(scores[key]) for key in MANIFOLD_KEYS}
