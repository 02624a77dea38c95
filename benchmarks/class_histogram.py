"""The class mix of a model's samples as the evaluator labels them: a diagnostic for mode
balance in QUALITY.md's rows, never a training signal (nothing here feeds back into a run).

    python benchmarks/class_histogram.py --evaluator models/evaluator/mnist5k/classifier.ckpt \
        runs/*/checkpoints/epoch*.ckpt

Prints, per checkpoint, the share of each class among 1,000 samples (seed 0), and their total
variation distance from the uniform mix.

Question: Do a model's samples cover the classes evenly (as the evaluator labels them)?
Figure: QUALITY.md, the rounds that report class balance.
"""

import argparse
from pathlib import Path

import torch

from genlab.metrics.evaluator import load_evaluator
from genlab.models.checkpoints import load_module


def class_shares(model_path: Path, evaluator: torch.nn.Module, n: int, seed: int) -> torch.Tensor:
    module = load_module(model_path).eval()
    images = module.sample(n, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        _, logits = evaluator(images)
    predicted = logits.argmax(dim=1)
    return torch.bincount(predicted, minlength=logits.shape[1]).double() / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+", type=Path)
    parser.add_argument("--evaluator", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    evaluator = load_evaluator(args.evaluator).eval()
    for path in args.checkpoints:
        shares = class_shares(path, evaluator, args.samples, args.seed)
        distance = (shares - 1 / len(shares)).abs().sum().item() / 2
        mix = " ".join(f"{share:.2f}" for share in shares.tolist())
        print(f"{path}: classes 0-{len(shares) - 1}: {mix}  (TV from uniform {distance:.3f})")


if __name__ == "__main__":
    main()
